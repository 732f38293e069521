using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>A teacher copy's identity: whose weights, taken after which of its steps.</summary>
public sealed record TeacherCheckpoint(int Group, long Step, ReadOnlyMemory<Half> Weights);

/// <summary>
/// The stale teacher copies a worker distills from: inference only (eval mode, no gradients, no
/// optimizer state). Weights arrive as float16 and are widened into a float32 replica, since libtorch
/// 1.13 has no fast float16 matmul on CPU. A reload imports new weights into the same replica, so a
/// recurrent teacher keeps carrying its hidden state along the student's streams.
/// </summary>
public sealed class TeacherSet : IDisposable
{
    private readonly Func<ITaskModel> _createReplica;
    private readonly SortedDictionary<int, (ITaskModel Model, FlatParameters Flat, long Step)> _teachers = new();

    private readonly TeacherPrecision _precision;

    public TeacherSet(Func<ITaskModel> createReplica, TeacherPrecision precision = TeacherPrecision.Float32)
    {
        _createReplica = createReplica;
        _precision = precision;
    }

    public int Count => _teachers.Count;
    public IEnumerable<int> Groups => _teachers.Keys;
    public long Reloads { get; private set; }

    /// <summary>Steps each copy lags behind <paramref name="currentStep"/>, by teacher group.</summary>
    /// A fixed teacher (two-phase distillation) has no age: it is not a stale copy of a group that trains on.
    public IReadOnlyDictionary<int, long> Ages(long currentStep) =>
        _teachers.Where(t => t.Key != FixedTeacher.Group).ToDictionary(t => t.Key, t => currentStep - t.Value.Step);

    public long StepOf(int group) => _teachers[group].Step;

    public void Load(TeacherCheckpoint checkpoint)
    {
        if (!_teachers.TryGetValue(checkpoint.Group, out var entry))
        {
            var model = _createReplica();
            model.Module.eval();
            foreach (var p in model.Module.parameters()) p.requires_grad = false;
            if (_precision == TeacherPrecision.BFloat16) model.Module.to(ScalarType.BFloat16);
            entry = (model, new FlatParameters(model.Module), 0);
        }
        if (checkpoint.Weights.Length != entry.Flat.Count)
            throw new ArgumentException(
                $"teacher checkpoint of group {checkpoint.Group} at step {checkpoint.Step} has {checkpoint.Weights.Length} weights, the model has {entry.Flat.Count}");
        entry.Flat.ImportParametersHalf(checkpoint.Weights.Span);
        _teachers[checkpoint.Group] = (entry.Model, entry.Flat, checkpoint.Step);
        Reloads++;
    }

    /// <summary>Each replica's copy step and the state it carries now (for recovery checkpoints).</summary>
    public IReadOnlyDictionary<int, TeacherCarry> ExportCarried() =>
        _teachers.ToDictionary(t => t.Key, t => new TeacherCarry(t.Value.Step, t.Value.Model.ExportCarriedState()));

    /// <summary>
    /// Holds exactly the copies <paramref name="byGroup"/> names, taken from <paramref name="copies"/>, each replica
    /// carrying the state given, which must be empty or <paramref name="carriedLength"/> long. Otherwise it holds none
    /// and returns why.
    /// </summary>
    public string? Restore(IReadOnlyDictionary<int, TeacherCarry> byGroup, IReadOnlyList<TeacherCheckpoint> copies, int carriedLength)
    {
        RetainOnly([]);
        foreach (var (group, carry) in byGroup)
        {
            var copy = copies.FirstOrDefault(c => c.Group == group && c.Step == carry.CopyStep);
            var why = copy is null ? $"the copy of group {group} at step {carry.CopyStep} did not come with it"
                : carry.Carried.Length != 0 && carry.Carried.Length != carriedLength
                    ? $"the state of group {group}'s replica has {carry.Carried.Length} values, this configuration carries {carriedLength}"
                    : null;
            if (why is null)
            {
                try
                {
                    Load(copy!);
                }
                catch (ArgumentException e)
                {
                    why = e.Message;
                }
            }
            if (why is not null)
            {
                RetainOnly([]);
                return why;
            }
            _teachers[group].Model.ImportCarriedState(carry.Carried);
        }
        return null;
    }

    /// <summary>Keeps only the listed teacher groups (after a topology change).</summary>
    public void RetainOnly(IReadOnlyCollection<int> groups)
    {
        foreach (var group in _teachers.Keys.Where(g => !groups.Contains(g)).ToList())
        {
            _teachers[group].Model.Dispose();
            _teachers.Remove(group);
        }
    }

    /// <summary>
    /// The aggregated teacher prediction for a batch, or null without teachers. Advances every copy's
    /// carried state, so call it once per batch in stream order. The result is outside any dispose
    /// scope: the caller disposes it.
    /// </summary>
    public Tensor? Predict(object batch, DistillSpec distill)
    {
        if (_teachers.Count == 0) return null;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = _teachers.Values.Select(t =>
        {
            var z = t.Model.Forward(batch);
            t.Model.DetachState();
            return z.dtype == ScalarType.Float32 ? z : z.to(ScalarType.Float32);
        }).ToList();
        var target = Distillation.TeacherTarget(logits, distill.Loss, distill.Temperature);
        scope.Detach(target);
        return target;
    }

    public void Dispose()
    {
        foreach (var t in _teachers.Values) t.Model.Dispose();
        _teachers.Clear();
    }
}
