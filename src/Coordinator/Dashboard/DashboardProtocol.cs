using System.Text.Json.Serialization;

namespace ActorCodistill.Coordinator.Dashboard;

// What the dashboard's server sends the page (JSON, camelCase; DashboardJson) and what the page sends back. Immutable
// records: the live store hands the same instances to every connected page.

/// <summary>What the run is: fixed for its whole life.</summary>
/// <param name="Hosting">"embedded" (this process holds every actor) or "seed" (workers run on worker nodes).</param>
public sealed record RunView(string RunId, string Label, string Task, int Groups, int WorkersPerGroup, long Steps, bool Baseline,
    string Hosting, string RunDirectory, DateTimeOffset StartedUtc, string? CompareWith);

/// <summary>One group step: the run's train record (and eval, when the step evaluated) as the page plots it.</summary>
/// <param name="Ages">Teacher group -> steps since its copy was taken: the teacher edges the group used at this step.</param>
/// <param name="AllreduceBytes">Bytes this step's allreduce moved inside the group.</param>
public sealed record LivePoint(int Group, long Step, double TimeSeconds, double Loss, double TaskLoss, double DistillLoss, bool DistillOn,
    double ExamplesPerSecond, IReadOnlyDictionary<int, long> Ages, long AllreduceBytes, double? ValLoss, int Members);

/// <param name="Group">-1 for the job.</param>
/// <param name="Category">failure, regroup, rollback, fence, reconfiguration, checkpoint, phase or info (<see cref="EventCategories"/>).</param>
public sealed record LiveEvent(int Group, long Step, double TimeSeconds, DateTimeOffset Utc, string Category, string Message);

/// <summary>The coordinator's answer to status (its <c>JobStatus</c>), as of <paramref name="Utc"/>.</summary>
/// <param name="Error">Why the last status request failed (the coordinator did not answer); the other fields are the last good answer.</param>
public sealed record StatusView(string Phase, string Topology, long ReloadInterval, double DistillWeight, IReadOnlyDictionary<int, long> GroupSteps,
    IReadOnlyDictionary<int, int> GroupMembers, long Steps, IReadOnlyList<string> RecentEvents, IReadOnlyList<string> Placement,
    IReadOnlyDictionary<int, IReadOnlyList<int>> Teachers, DateTimeOffset Utc, string? Error = null);

/// <summary>Totals of a group's broadcaster: teacher copies pushed and their bytes (between groups).</summary>
public sealed record BroadcastView(int Group, long Checkpoints, long BytesSent);

/// <summary>Everything the page needs to draw the live run, and the cursor it continues from.</summary>
public sealed record LiveSnapshot(RunView Run, StatusView? Status, IReadOnlyList<LivePoint> Points, IReadOnlyList<LiveEvent> Events,
    IReadOnlyList<BroadcastView> Broadcast, IReadOnlyList<ClusterMember> Members, bool ChangesAllowed, bool Finished);

/// <summary>What changed since a page's cursor: new points and events, and the latest status, broadcast totals and members.</summary>
public sealed record LiveUpdate(IReadOnlyList<LivePoint> Points, IReadOnlyList<LiveEvent> Events, StatusView? Status,
    IReadOnlyList<BroadcastView>? Broadcast, IReadOnlyList<ClusterMember>? Members, bool Finished);

/// <summary>A change from the page: what <c>ctl</c> sends (topology, reload interval, weight, drain).</summary>
/// <param name="Kind">topology, reload-interval, weight or drain.</param>
/// <param name="Value">The topology name, interval, weight or node address.</param>
/// <param name="AtStep">The step every group switches at; null = the coordinator's choice.</param>
/// <param name="Confirm">For a weight above the plausible range (as <c>ctl weight --confirm</c>).</param>
public sealed record ChangeRequest(
    [property: JsonRequired] string Kind,
    [property: JsonRequired] string Value,
    long? AtStep = null,
    bool Confirm = false);

/// <summary>The coordinator's answer to a change (its <c>ReconfigureResult</c>).</summary>
public sealed record ChangeAnswer(bool Accepted, string Message, long? AtStep);

/// <summary>A request the server refused, and why.</summary>
public sealed record Problem(string Error);
