using ActorCodistill.Workers.Actors;

namespace ActorCodistill.Coordinator.Tests;

/// <summary>
/// The tests' <see cref="IWorkerFaults"/>: makes the worker of (group, slot) fail once when it starts the given step: throw, or (with
/// <paramref name="hang"/>) block its thread that long, like a process frozen with SIGSTOP. With
/// <paramref name="teacherGate"/> it does neither: the teacher forward that worker runs during that step's allreduce
/// (for the next batch) waits until the gate opens (at most a minute). With <paramref name="loseTeacherCopy"/> it
/// drops the first teacher copy of that step or later sent to it, as if the transfer was lost; with
/// <paramref name="loseTeacherRequests"/> its requests for missing copies are lost as well. With
/// <paramref name="loseAllreduceChunk"/> = n it loses the n-th allreduce chunk it sends in that step: to dead letters
/// (as remoting does with a failed bulk transfer), or with <paramref name="chunkVanishes"/> without a trace.
/// </summary>
/// <param name="fromStepOn">The throw happens at that step and every later one, in each replacement too: a crash loop.</param>
public sealed class FaultInjection(int group, int rank, long step, TimeSpan? hang = null, ManualResetEventSlim? teacherGate = null,
    bool loseTeacherCopy = false, bool loseTeacherRequests = false, int loseAllreduceChunk = 0, bool chunkVanishes = false, bool fromStepOn = false) : IWorkerFaults
{
    private int _fired;
    private int _chunksSent;

    /// <summary>Whether the fault has happened.</summary>
    public bool Fired => Volatile.Read(ref _fired) != 0;

    /// <summary>With loseTeacherRequests: every request of this worker for missing teacher copies is lost.</summary>
    public bool LosesTeacherRequests(int atGroup, int atSlot) => loseTeacherRequests && atGroup == group && atSlot == rank;

    /// <summary>With loseTeacherCopy: true once, for the first teacher copy of the step or later this worker is sent.</summary>
    public bool LosesTeacherCopy(int atGroup, int atSlot, long copyStep) =>
        loseTeacherCopy && atGroup == group && atSlot == rank && copyStep >= step && Interlocked.Exchange(ref _fired, 1) == 0;

    /// <summary>
    /// With loseAllreduceChunk = n: true once, for the n-th allreduce chunk this worker sends in the step; the worker then
    /// sends it to dead letters, as remoting does with a bulk transfer that fails, or with chunkVanishes drops it
    /// without a trace (only the receiver can notice, by the gap when a later chunk comes).
    /// </summary>
    public bool LosesAllreduceChunk(int atGroup, int atSlot, long atStep) =>
        loseAllreduceChunk > 0 && Matches(atGroup, atSlot, atStep) && Interlocked.Increment(ref _chunksSent) == loseAllreduceChunk &&
        Interlocked.Exchange(ref _fired, 1) == 0;

    /// <summary>With loseAllreduceChunk: the lost chunk leaves no dead letter.</summary>
    public bool ChunkVanishes => chunkVanishes;

    public void MaybeThrow(int atGroup, int atSlot, long atStep)
    {
        // The gate and the lost-transfer modes replace the throw or hang; they never add one.
        if (fromStepOn && atGroup == group && atSlot == rank && atStep >= step)
            throw new InjectedFaultException($"injected fault in worker {group}/{rank} at step {atStep}");
        if (teacherGate is not null || loseTeacherCopy || loseTeacherRequests || loseAllreduceChunk > 0 || !Matches(atGroup, atSlot, atStep) ||
            Interlocked.Exchange(ref _fired, 1) != 0)
            return;
        if (hang is { } pause)
        {
            Thread.Sleep(pause);
            return;
        }
        throw new InjectedFaultException($"injected fault in worker {group}/{rank} at step {step}");
    }

    public void BeforeTeacherForward(int atGroup, int atSlot, long atStep)
    {
        if (teacherGate is null || !Matches(atGroup, atSlot, atStep) || Interlocked.Exchange(ref _fired, 1) != 0) return;
        teacherGate.Wait(TimeSpan.FromMinutes(1));
    }

    private bool Matches(int atGroup, int atSlot, long atStep) => atGroup == group && atSlot == rank && atStep == step;
}

public sealed class InjectedFaultException(string message) : Exception(message);
