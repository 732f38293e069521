namespace ActorCodistill.Workers.Actors;

/// <summary>
/// Where tests make a worker misbehave (throw or hang at a step, lose a teacher copy, a request for one, or an allreduce
/// chunk, hold a teacher forward back): the hooks a worker calls at those points. The product passes none; the
/// implementation lives in the tests (tests/Coordinator.Tests, FaultInjection), so no test-only behaviour ships.
/// </summary>
public interface IWorkerFaults
{
    /// <summary>Called as the worker starts a step: may throw (a crash) or block (a hang).</summary>
    void MaybeThrow(int group, int slot, long step);

    /// <summary>Called on the teacher-forward thread before the prediction for the next batch.</summary>
    void BeforeTeacherForward(int group, int slot, long step);

    /// <summary>True: the worker drops this teacher copy, as if its transfer was lost.</summary>
    bool LosesTeacherCopy(int group, int slot, long copyStep);

    /// <summary>True: the worker's requests for missing teacher copies are lost.</summary>
    bool LosesTeacherRequests(int group, int slot);

    /// <summary>True: the allreduce chunk the worker is about to send is lost.</summary>
    bool LosesAllreduceChunk(int group, int slot, long step);

    /// <summary>With a lost chunk: it leaves no dead letter (only the receiver can notice the gap).</summary>
    bool ChunkVanishes { get; }
}
