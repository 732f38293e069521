using System.Globalization;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// A change from the page as the coordinator message <c>ctl</c> would send for it (Program.cs, the ctl verbs): the
/// coordinator checks and schedules it the same way, whoever sent it.
/// </summary>
public static class ChangeRequests
{
    public static readonly string[] Kinds = ["topology", "reload-interval", "weight", "drain"];

    /// <exception cref="ArgumentException">An unknown kind or a value that does not parse, naming both.</exception>
    public static CoordinatorMessage ToMessage(ChangeRequest request)
    {
        var value = request.Value.Trim();
        return request.Kind switch
        {
            "topology" => new ChangeTopology(Topology.Parse(value), request.AtStep),
            "reload-interval" => new ChangeReloadInterval(
                long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var steps)
                    ? steps
                    : throw new ArgumentException($"reload-interval needs a whole number of steps, got '{request.Value}'"),
                request.AtStep),
            "weight" => new ChangeDistillWeight(
                double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight)
                    ? weight
                    : throw new ArgumentException($"weight needs a number, got '{request.Value}'"),
                request.AtStep, request.Confirm),
            "drain" when request.AtStep is not null => throw new ArgumentException("drain applies at each group's next step boundary; it takes no step"),
            "drain" => new DrainNode(value),
            _ => throw new ArgumentException($"unknown change '{request.Kind}' (expected {string.Join(", ", Kinds)})"),
        };
    }
}
