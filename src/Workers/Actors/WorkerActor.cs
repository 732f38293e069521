using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using TorchSharp;
using ActorCodistill.Workers.Training;
using ActorCodistill.Workers.Training.Tasks;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Actors;

/// <summary>
/// One device slot: owns a model replica, its optimizer, its data shard and its stale teacher copies,
/// and runs the step. Runs on the pinned dispatcher: libtorch state and dispose scopes stay on one thread.
/// <para>
/// A step: compute gradients (task + distillation loss), start the ring allreduce with the group's other
/// members, and while chunks travel, prefetch the next batch and its teacher prediction (the teacher
/// forward overlaps the allreduce). When the ring completes every member holds the same averaged
/// gradient and applies the same optimizer update.
/// </para>
/// </summary>
public sealed class WorkerActor : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly JobSpec _spec;
    private readonly int _group;
    private readonly int _slot;
    private readonly int _generation;
    private readonly IActorRef? _groupRef;
    private readonly IWorkerFaults? _fault;

    private TrainingTask _task = null!;
    private ITaskModel _model = null!;
    private TorchSharp.Modules.OptimizerHelper _optimizer = null!;
    private FlatParameters _flat = null!;
    private TeacherSet _teachers = null!;
    private IBatchSource _data = null!;
    private ITaskModel? _evalReplica;
    private FlatParameters? _evalFlat;

    private IReadOnlyList<IActorRef> _ring = [];
    private int _rank;
    private int _epoch = -1;
    private long _appliedStep;

    // Teacher copies received but not yet named by a plan, and a plan waiting for copies still on their way.
    private readonly Dictionary<int, TeacherCheckpoint> _pendingTeachers = new();
    private StepPlan? _waitingPlan;

    // The step in flight.
    private StepPlan? _plan;
    private RingAllreduce? _allreduce;
    private float[] _gradients = [];
    private float[] _reduced = [];
    private StepLosses? _losses;
    private readonly Stopwatch _stepClock = new();
    private double _computeSeconds;

    // Prefetched for the next step while the allreduce runs.
    private object? _nextBatch;
    // The teachers' prediction for _nextBatch, computed on a thread of its own while this step's allreduce runs, so
    // ring chunks keep being applied and forwarded meanwhile. Only it touches the teacher replicas until taken.
    private Task<Tensor?>? _nextTarget;

    // At recovery-checkpoint steps (every step when the group sends StepRecovery), the teacher replicas as the step left
    // them (taken before the prefetch advances them).
    private (long Step, TeachersAtStep Teachers)? _teachersAtStep;
    // Restored to a checkpoint whose teachers had predicted the next batch: the next step repeats that prediction first.
    private bool _repeatPrefetch;

    // Chunks that arrived before this worker started the step they belong to.
    private readonly Dictionary<(long Step, int Epoch), Queue<RingChunk>> _early = new();
    // The step and epoch of the last lost chunk reported to the group.
    private (long Step, int Epoch) _lostChunkReported = (-1, -1);

    /// <param name="slot">The worker's fixed place in its group: its data shard follows the slot, whatever its ring rank.</param>
    /// <param name="generation">Which incarnation of the slot this is (a replacement has a higher one).</param>
    /// <param name="groupRef">Its group actor; null means the parent (the embedded run).</param>
    public WorkerActor(JobSpec spec, int group, int slot, int generation = 0, IActorRef? groupRef = null, IWorkerFaults? fault = null)
    {
        _spec = spec;
        _group = group;
        _slot = slot;
        _generation = generation;
        _groupRef = groupRef;
        _fault = fault;
        Receive<RingMembers>(OnRingMembers);
        Receive<LoadTeacher>(OnLoadTeacher);
        Receive<StepPlan>(OnStepPlan);
        Receive<AllreduceChunk>(OnChunk);
        Receive<ProbeWorker>(OnProbe);
        Receive<AskForTeachers>(OnAskForTeachers);
        Receive<ExportState>(OnExportState);
        Receive<RestoreState>(OnRestoreState);
        Receive<DeadLetter>(OnDeadLetter);
        Receive<StopWorker>(stop =>
        {
            _log.Info($"worker {_group}/{_slot}#{_generation} stops: {stop.Reason}");
            Context.Stop(Self);
        });
    }

    public static Props Props(JobSpec spec, int group, int slot, int generation = 0, IActorRef? groupRef = null, IWorkerFaults? fault = null) =>
        Akka.Actor.Props.Create(() => new WorkerActor(spec, group, slot, generation, groupRef, fault)).WithDispatcher(ActorCodistill.Cluster.Bootstrap.AkkaNodeOptions.PinnedDispatcher)
            .WithMailbox(ActorCodistill.Cluster.Bootstrap.AkkaNodeOptions.ProductMailbox);

    private IActorRef Group => _groupRef ?? Context.Parent;

    protected override void PreStart()
    {
        // Built here, on the pinned thread that will run every step of this model.
        _task = TrainingTask.For(_spec);
        _model = _task.CreateModel(_group);
        _optimizer = _task.CreateOptimizer(_model);
        _flat = new FlatParameters(_model.Module);
        _teachers = new TeacherSet(_task.CreateReplica, _spec.TeacherPrecision);
        _data = _task.CreateTrainSource(_group, _slot);
        _gradients = new float[_flat.Count];
        _reduced = new float[_flat.Count];
        // Remoting turns a bulk message it could not deliver into a dead letter on this node's event stream.
        Context.System.EventStream.Subscribe(Self, typeof(DeadLetter));
        Group.Tell(new WorkerReady(_slot, _generation, _flat.Count, _appliedStep), Self);
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        if (_nextTarget is { } pending)
        {
            // The teacher replicas are in use until the prediction finishes; dispose them after it, not under it.
            _nextTarget = null;
            var teachers = _teachers;
            pending.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) t.Result?.Dispose();
                teachers?.Dispose();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            _teachers?.Dispose();
        }
        _evalReplica?.Dispose();
        _optimizer?.Dispose();
        _model?.Dispose();
    }

    private void OnRingMembers(RingMembers members)
    {
        var rank = members.Slots.ToList().IndexOf(_slot);
        if (rank < 0) throw new InvalidOperationException($"worker {_group}/{_slot} is not in the ring of epoch {members.Epoch}");
        _ring = members.Members;
        _rank = rank;
        AdvanceEpoch(members.Epoch);
    }

    // A new epoch aborts any allreduce of the old one; its gradients stay and are reduced again.
    private void AdvanceEpoch(int epoch)
    {
        if (epoch <= _epoch) return;
        _epoch = epoch;
        if (_allreduce is { IsComplete: false }) _allreduce = null;
        foreach (var key in _early.Keys.Where(k => k.Epoch < _epoch).ToList()) _early.Remove(key);
    }

    private void OnProbe(ProbeWorker probe)
    {
        AdvanceEpoch(probe.Epoch);
        var computed = _plan is { } plan && plan.Step == _appliedStep + 1 ? _losses : null;
        Sender.Tell(new WorkerAlive(_slot, _generation, _epoch, _appliedStep, computed), Self);
    }

    private TimeSpan TeacherRetry => _spec.Failures.EffectiveTeacherRetry;

    private void OnAskForTeachers(AskForTeachers ask)
    {
        if (_waitingPlan is not { } waiting || waiting.Step != ask.Step || waiting.Epoch != ask.Epoch) return;
        var missing = waiting.TeacherSteps.Where(kv => !HasTeacher(kv.Key, kv.Value)).Select(kv => kv.Key).ToArray();
        if (missing.Length == 0) return;
        _log.Warning($"worker {_group}/{_slot}: the teacher copies of group(s) [{string.Join(",", missing)}] for step {waiting.Step} " +
                    $"have not come in {TeacherRetry.TotalSeconds:0.#} s; asking the group again");
        if (_fault?.LosesTeacherRequests(_group, _slot) != true)
            Group.Tell(new TeacherCopiesMissing(_slot, _generation, waiting.Epoch, waiting.Step, missing), Self);
        Timers.StartSingleTimer("teachers", ask, TeacherRetry);
    }

    private void OnLoadTeacher(LoadTeacher load)
    {
        var c = load.Checkpoint;
        if (_fault?.LosesTeacherCopy(_group, _slot, c.Step) == true) return;
        if (!_pendingTeachers.TryGetValue(c.Group, out var held) || held.Step < c.Step) _pendingTeachers[c.Group] = c;
        if (_waitingPlan is { } waiting && HasTeachers(waiting))
        {
            _waitingPlan = null;
            Timers.Cancel("teachers");
            OnStepPlan(waiting);
        }
    }

    private bool HasTeachers(StepPlan plan) => plan.TeacherSteps.All(kv => HasTeacher(kv.Key, kv.Value));

    private bool HasTeacher(int group, long step) =>
        (_teachers.Groups.Contains(group) && _teachers.StepOf(group) == step) ||
        (_pendingTeachers.TryGetValue(group, out var c) && c.Step == step);

    private void OnStepPlan(StepPlan plan)
    {
        if (plan.Epoch != _epoch)
        {
            // A plan of an epoch this worker has left (or not reached) is not its business.
            _log.Warning($"worker {_group}/{_slot}: ignoring step {plan.Step} planned for epoch {plan.Epoch}; worker is in epoch {_epoch}");
            return;
        }
        if (plan.Step <= _appliedStep)
        {
            // Already applied (the group re-sent the plan after a membership change): report without applying twice.
            Group.Tell(Done(plan, 0, false, null), Self);
            return;
        }
        if (!HasTeachers(plan))
        {
            // The teacher copies travel on the bulk channel and may arrive after the plan: wait for them, and ask the
            // group again if they do not come (a lost transfer), well before the step timeout would regroup.
            _waitingPlan = plan;
            Timers.StartSingleTimer("teachers", new AskForTeachers(plan.Step, plan.Epoch), TeacherRetry);
            return;
        }
        _stepClock.Restart();

        // A retry of the same step after a membership change keeps the gradients already computed.
        var retry = _plan is not null && _plan.Step == plan.Step && _losses is not null;
        _plan = plan;
        if (!retry)
        {
            // The prediction for this batch was made with the copies held during the last allreduce; it must be
            // finished before those copies change below.
            var target = TakePrefetchedTarget();
            try
            {
                if (_repeatPrefetch)
                {
                    // As the run before the restore did during the last step's allreduce: with the copies held then.
                    _repeatPrefetch = false;
                    _nextBatch ??= _data.Next();
                    target = _teachers.Predict(_nextBatch, plan.Distill);
                }
                foreach (var (group, step) in plan.TeacherSteps)
                    if (_pendingTeachers.Remove(group, out var checkpoint) && checkpoint.Step == step)
                        _teachers.Load(checkpoint);
                _teachers.RetainOnly(plan.TeacherSteps.Keys.ToArray());
                _fault?.MaybeThrow(_group, _slot, plan.Step);

                var batch = _nextBatch ?? _data.Next();
                _nextBatch = null;
                if (plan.DistillOn && target is null) target = _teachers.Predict(batch, plan.Distill);
                _losses = TrainStep.ComputeGradients(_model, batch, plan.DistillOn ? target : null, plan.Distill, _spec.LabelSmoothing);
            }
            finally
            {
                target?.Dispose();
            }
            _flat.ExportGradients(_gradients);
            _computeSeconds = _stepClock.Elapsed.TotalSeconds;
        }

        // The ring reduces a copy: if a member fails mid-ring, the retry starts again from these gradients.
        _gradients.AsSpan().CopyTo(_reduced);
        _allreduce = _spec.AllreduceSegmentKiB > 0
            ? new RingAllreduce(_rank, _ring.Count, _reduced, average: true, _spec.AllreduceSegmentKiB * 1024 / sizeof(float), copyOutgoing: true)
            : new RingAllreduce(_rank, _ring.Count, _reduced);
        // Segments of a phase go out in order, and a link (mailbox or bulk channel) keeps the order the ring needs.
        foreach (var first in _allreduce.StartSegments()) Send(first);

        if (!retry) Prefetch(plan);
        DrainEarlyChunks();
        if (_allreduce is { IsComplete: true }) Finish();
    }

    // The next batch and its teacher prediction are computed while the ring is busy: the prediction on a thread of
    // its own, so this actor keeps applying and forwarding ring chunks (with M members the ring has 2(M-1) phases;
    // computed here, the prediction would hold up every phase after the first). It uses the copies held now; a
    // reload at the next boundary takes effect one batch later.
    private void Prefetch(StepPlan plan)
    {
        _nextBatch = _data.Next();
        var distillNext = _spec.DistillActiveAt(plan.Step + 1) && plan.Distill.Weight != 0 && _teachers.Count > 0;
        if (SendsStepRecovery || (_spec.Failures.CheckpointInterval > 0 && plan.Step % _spec.Failures.CheckpointInterval == 0))
            _teachersAtStep = (plan.Step, new TeachersAtStep(_teachers.ExportCarried(), distillNext));
        if (!distillNext) return;
        var (batch, teachers, distill, step, fault, group, slot) = (_nextBatch, _teachers, plan.Distill, plan.Step, _fault, _group, _slot);
        _nextTarget = Task.Factory.StartNew(() =>
        {
            fault?.BeforeTeacherForward(group, slot, step);
            return teachers.Predict(batch, distill);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits for the prediction made during the last allreduce (rethrowing its failure); null when none was made.</summary>
    private Tensor? TakePrefetchedTarget()
    {
        var pending = _nextTarget;
        _nextTarget = null;
        return pending?.GetAwaiter().GetResult();
    }

    private void OnChunk(AllreduceChunk message)
    {
        if (_plan is not null && _allreduce is not null && message.Step == _plan.Step && message.Epoch == _epoch)
        {
            Apply(message.Chunk);
            return;
        }
        if (message.Epoch < _epoch || message.Step <= _appliedStep)
        {
            _log.Debug($"dropping stale allreduce chunk of step {message.Step} epoch {message.Epoch}");
            return;
        }
        var key = (message.Step, message.Epoch);
        if (!_early.TryGetValue(key, out var queue)) _early[key] = queue = new Queue<RingChunk>();
        queue.Enqueue(message.Chunk);
    }

    private void DrainEarlyChunks()
    {
        var key = (_plan!.Step, _epoch);
        if (!_early.Remove(key, out var queue)) return;
        while (queue.Count > 0 && _allreduce is { IsComplete: false }) Apply(queue.Dequeue());
    }

    private void Apply(RingChunk chunk)
    {
        if (_allreduce!.OutOfOrder(chunk) is { } gap)
        {
            // A chunk before this one was lost on the way (the link dropped it, then delivered the next): this ring
            // cannot finish. Stop it (later chunks of the epoch wait in _early and are dropped with it) and tell the group.
            _allreduce = null;
            ReportLostChunk(_plan!.Step, _epoch, $"a chunk to slot {_slot} is missing ({gap})");
            return;
        }
        Send(_allreduce.OnReceive(chunk));
        if (_allreduce.IsComplete) Finish();
    }

    private void Send(RingChunk? chunk)
    {
        if (chunk is null) return;
        var message = new AllreduceChunk(_plan!.Step, _epoch, chunk);
        if (_fault?.LosesAllreduceChunk(_group, _slot, _plan.Step) == true)
        {
            if (!_fault.ChunkVanishes) Context.System.DeadLetters.Tell(message, Self);
        }
        else
        {
            Context.TellTensor(_ring[(_rank + 1) % _ring.Count], message);
        }
    }

    // One of this step's chunks from this worker was not delivered: the ring cannot finish, so tell the group (once per
    // step and epoch, whether the sender or the receiver notices first). Dead letters of other actors, and of chunks of
    // steps or epochs already left, are not its business.
    private void OnDeadLetter(DeadLetter dead)
    {
        if (dead.Message is not AllreduceChunk chunk || !Self.Equals(dead.Sender) || _plan is null || chunk.Step != _plan.Step ||
            chunk.Epoch != _epoch)
            return;
        ReportLostChunk(chunk.Step, chunk.Epoch, $"a chunk from slot {_slot} to {dead.Recipient.Path} was not delivered");
    }

    private void ReportLostChunk(long step, int epoch, string what)
    {
        if (_lostChunkReported == (step, epoch)) return;
        _lostChunkReported = (step, epoch);
        _log.Warning($"worker {_group}/{_slot}: allreduce of step {step}: {what}; telling the group");
        Group.Tell(new AllreduceChunkLost(_slot, _generation, epoch, step, what), Self);
    }

    private void Finish()
    {
        var plan = _plan!;
        _flat.ImportGradients(_reduced);
        _optimizer.step();
        _appliedStep = plan.Step;

        if (plan.ExportCheckpoint)
        {
            var weights = new Half[_flat.Count];
            _flat.ExportParametersHalf(weights);
            // Sent before the step report; across nodes it travels on the bulk channel.
            Context.TellTensor(Group, new CheckpointExported(new TeacherCheckpoint(_group, plan.Step, weights)));
        }
        // Before the step report: the group holds it when this member is lost in the next step.
        if (SendsStepRecovery)
            Context.TellTensor(Group, new StepRecovery(_slot, _generation, plan.Step, new MemberRecovery(_model.ExportCarriedState(), TeachersAtApplied)));
        ValidationResult? validation = null;
        PredictionSet? predictions = null;
        if (plan.Evaluate || plan.CollectPredictions) (validation, predictions) = Evaluate(plan.CollectPredictions);

        Group.Tell(Done(plan, _allreduce!.FloatsSent * sizeof(float), plan.ExportCheckpoint, validation, predictions), Self);
        _allreduce = null;
        _losses = null;
    }

    private StepDone Done(StepPlan plan, long allreduceBytes, bool exported, ValidationResult? validation, PredictionSet? predictions = null) =>
        new(plan.Step, plan.Epoch, _slot, _losses ?? new StepLosses(double.NaN, double.NaN, 0, 0), _computeSeconds,
            _stepClock.Elapsed.TotalSeconds, allreduceBytes, exported, validation?.Loss, _teachers.Ages(plan.Step), predictions,
            validation is { Accuracy: var a } && double.IsFinite(a) ? a : null);

    // Validation runs on a separate replica with fresh hidden state, so the training streams are untouched.
    private (ValidationResult, PredictionSet?) Evaluate(bool collectPredictions)
    {
        if (_evalReplica is null)
        {
            _evalReplica = _task.CreateReplica();
            _evalFlat = new FlatParameters(_evalReplica.Module);
        }
        var weights = new float[_flat.Count];
        _flat.ExportParameters(weights);
        _evalFlat!.ImportParameters(weights);
        _evalReplica.ResetState();
        // The predictions come from the validation pass itself (until 2026-12-08 a second pass computed them again).
        var (top1, truth) = collectPredictions ? (new List<float>(), new List<float>()) : (null, null);
        var loss = TrainStep.Validate(_evalReplica, _task.ValidationBatches, top1, truth);
        return (loss, collectPredictions ? new PredictionSet(top1!.ToArray(), truth!.ToArray(), _evalReplica.BinaryOutput) : null);
    }

    // A group that pauses for replacements can restore one exactly where the lost member was: it keeps each member's
    // StepRecovery of the last step.
    private bool SendsStepRecovery => _spec.WorkersPerGroup > 1 && _spec.Failures.MinWorkersPerGroup >= _spec.WorkersPerGroup;

    private TeachersAtStep? TeachersAtApplied => _teachersAtStep is { } at && at.Step == _appliedStep ? at.Teachers : null;

    // Between steps the model's carried state is that after the applied step's batch (the prefetch only draws the next
    // batch; the teachers' forward on it does not touch the student).
    private void OnExportState(ExportState request)
    {
        var carried = _model.ExportCarriedState();
        var teachers = TeachersAtApplied;
        if (request.CarriedOnly)
        {
            Context.TellTensor(Sender, new WorkerState(_slot, _appliedStep, [], [], request.RequestId, carried, teachers));
            return;
        }
        var parameters = new float[_flat.Count];
        _flat.ExportParameters(parameters);
        Context.TellTensor(Sender, new WorkerState(_slot, _appliedStep, parameters, OptimizerStateCodec.Save(_optimizer), request.RequestId, carried, teachers));
    }

    private void OnRestoreState(RestoreState restore)
    {
        var state = restore.State;
        if (state.Parameters.Length != _flat.Count)
            throw new InvalidDataException($"worker {_group}/{_slot}: state of slot {state.Slot} has {state.Parameters.Length} parameters, the model has {_flat.Count}");
        _flat.ImportParameters(state.Parameters);
        if (state.OptimizerState.Length > 0)
            OptimizerStateCodec.Load(_optimizer, state.OptimizerState, $"state of worker {_group}/{state.Slot}");
        if (state.Carried is { } carried)
        {
            var expected = _model.CarriedStateLength(_spec.Data.BatchSize);
            if (carried.Length == 0 || carried.Length == expected)
                _model.ImportCarriedState(carried);
            else
            {
                // A checkpoint of another configuration (a resumed run folder whose batch size or model changed).
                _log.Warning($"worker {_group}/{_slot}: the restored carried state has {carried.Length} values, this configuration carries {expected}; " +
                            "starting the streams' state from zeros");
                _model.ResetState();
            }
        }
        _appliedStep = state.AppliedStep;
        _plan = null;
        _allreduce = null;
        _losses = null;
        // The next step takes the batch after the applied step. What this worker prefetched (the batch, and the teachers'
        // prediction for it) is that batch when it had computed the restored step itself before its ring broke (a member
        // that applied the step is the source): keep it, as the uninterrupted run would have. Otherwise (it was behind,
        // or ahead: a rollback to a checkpoint) drop it, and draw the shard again from its start if it had gone past.
        // A checkpoint's state (with its teachers) never keeps the prefetch: the prediction is repeated from it below.
        if (state.Teachers is not null || _nextBatch is null || _data.Consumed != _appliedStep + 1)
        {
            try
            {
                TakePrefetchedTarget()?.Dispose();
            }
            catch (Exception e)
            {
                _log.Warning($"worker {_group}/{_slot}: dropping a failed teacher prediction made before the restore: {e.Message}");
            }
            _nextBatch = null;
            if (_data.Consumed > _appliedStep) _data = _task.CreateTrainSource(_group, _slot);
            while (_data.Consumed < _appliedStep) _data.Next();
        }
        _repeatPrefetch = false;
        if (state.Teachers is { } teachers)
        {
            // The teacher replicas as they were at the checkpoint's step; the copies the group sends from now on wait
            // for the plans that name them.
            _pendingTeachers.Clear();
            if (_teachers.Restore(teachers.ByGroup, restore.TeacherCopies ?? [], _model.CarriedStateLength(_spec.Data.BatchSize)) is { } why)
                _log.Warning($"worker {_group}/{_slot}: cannot restore the teacher replicas ({why}); going on without them until the group " +
                            "sends copies (this run is no longer reproducible)");
            else
                _repeatPrefetch = teachers.Prefetched;
        }
        Sender.Tell(new WorkerReady(_slot, _generation, _flat.Count, _appliedStep), Self);
    }

    /// <summary>Timer: the plan of this step and epoch still waits for teacher copies.</summary>
    private sealed record AskForTeachers(long Step, int Epoch);
}
