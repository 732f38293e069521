using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

/// <summary>
/// Holds every worker of every group as it starts one of the given steps, until the test opens that step's gate: the
/// job is then known to be running, with exactly the steps before it done, for as long as the test looks at the page.
/// A gate left shut opens by itself after <see cref="MaxHold"/>, so a failing test cannot hang the job (the job's
/// step-timeout must be longer, or the held workers are probed and replaced).
/// </summary>
internal sealed class StepGates : IWorkerFaults
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromMinutes(2);

    private readonly Dictionary<long, ManualResetEventSlim> _gates;

    public StepGates(params long[] steps) => _gates = steps.ToDictionary(s => s, _ => new ManualResetEventSlim(false));

    public void Open(long step) => _gates[step].Set();

    public void OpenAll()
    {
        foreach (var gate in _gates.Values) gate.Set();
    }

    public void MaybeThrow(int group, int slot, long step)
    {
        if (_gates.TryGetValue(step, out var gate)) gate.Wait(MaxHold);
    }

    public void BeforeTeacherForward(int group, int slot, long step) { }
    public bool LosesTeacherCopy(int group, int slot, long copyStep) => false;
    public bool LosesTeacherRequests(int group, int slot) => false;
    public bool LosesAllreduceChunk(int group, int slot, long step) => false;
    public bool ChunkVanishes => false;
}
