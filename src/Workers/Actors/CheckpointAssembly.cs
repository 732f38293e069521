using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// A group's recovery checkpoint in the making: which members were asked for their state (rank 0 first: it sends the
/// weights and optimizer state, the others their carried state only), their answers as they come, and the teacher
/// copies the group held at that step. Complete when every member asked has answered for that step; an answer for an
/// older request, another step or a member not asked is ignored. One concern of the group, kept out of
/// <see cref="GroupActor"/>, which asks the members and saves what this assembles.
/// </summary>
public sealed class CheckpointAssembly(int group)
{
    private readonly Dictionary<int, WorkerState> _parts = new();
    private int[] _slots = [];
    private IReadOnlyList<TeacherCheckpoint> _copies = [];

    /// <summary>The request in progress (matched against the answers), or -1.</summary>
    public int Request { get; private set; } = -1;

    public long Step { get; private set; }

    /// <summary>
    /// Starts assembling the checkpoint of <paramref name="step"/> from <paramref name="slots"/> (rank 0 first). When the
    /// previous one was still incomplete, returns the line that says which members did not answer.
    /// </summary>
    public string? Begin(int request, long step, IReadOnlyList<int> slots, IReadOnlyList<TeacherCheckpoint> copies)
    {
        string? abandoned = null;
        if (Request >= 0)
            abandoned = $"the recovery checkpoint of step {Step} was not saved: slot(s) [{string.Join(",", _slots.Where(s => !_parts.ContainsKey(s)))}] " +
                        $"did not answer before step {step}";
        Request = request;
        Step = step;
        _slots = [.. slots];
        _copies = copies;
        _parts.Clear();
        return abandoned;
    }

    /// <summary>Takes a member's answer; returns the checkpoint once every member asked has answered, else null.</summary>
    public GroupCheckpoint? Accept(WorkerState state)
    {
        if (state.RequestId != Request || !_slots.Contains(state.Slot) || state.AppliedStep != Step) return null;
        _parts[state.Slot] = state;
        if (_slots.Any(s => !_parts.ContainsKey(s))) return null;
        Request = -1;
        var weights = _parts[_slots[0]];
        var members = _parts.ToDictionary(kv => kv.Key, kv => new MemberRecovery(kv.Value.Carried, kv.Value.Teachers));
        _parts.Clear();
        return new GroupCheckpoint(group, weights.AppliedStep, weights.Parameters, weights.OptimizerState, members, _copies);
    }
}
