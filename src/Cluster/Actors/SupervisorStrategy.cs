namespace ActorCodistill.Cluster.Actors;

public enum Directive
{
    Resume,
    Restart,
    Stop,
    Escalate,
}

/// <summary>
/// How a parent treats a failed child. Default: Restart, except Stop for ActorInitializationException,
/// ActorKilledException and DeathPactException (as in Akka); unlimited restarts.
/// </summary>
public abstract class SupervisorStrategy
{
    protected SupervisorStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive>? decider)
    {
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        Decider = decider ?? DefaultDecider;
    }

    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(-1, null, DefaultDecider);

    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(-1, null, _ => Directive.Stop);

    /// <summary>Maximum restarts of a child within <see cref="WithinTimeRange"/>; -1 for unlimited.</summary>
    public int MaxNrOfRetries { get; }

    public TimeSpan? WithinTimeRange { get; }

    public Func<Exception, Directive> Decider { get; }

    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    internal virtual Directive Decide(Failed failed) => Decider(failed.Cause);

    /// <summary>Applies the directive; returns false to escalate.</summary>
    internal bool HandleFailure(ActorCell parent, Failed failed, ActorCell.ChildEntry child)
    {
        var directive = Decide(failed);
        switch (directive)
        {
            case Directive.Resume:
                parent.Log.Warning($"{failed.Child.Path} failed: {failed.Cause.Message}; resuming.");
                child.Ref.SendSystemMessage(new Resume(failed.Cause));
                return true;
            case Directive.Restart:
            case Directive.Stop:
                parent.Log.Error(failed.Cause,
                    $"{failed.Child.Path} failed: {failed.Cause.Message}; directive {directive}.");
                ProcessFailure(parent, directive == Directive.Restart, child, failed.Cause);
                return true;
            default:
                return false;
        }
    }

    internal abstract void ProcessFailure(ActorCell parent, bool restart, ActorCell.ChildEntry failed, Exception cause);

    private protected bool Permit(ActorCell parent, ActorCell.ChildEntry child) =>
        child.Stats.RequestRestartPermission(parent.System.TimeProvider.GetUtcNow(), MaxNrOfRetries, WithinTimeRange);
}

/// <summary>The directive applies to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive>? decider)
        : base(maxNrOfRetries, withinTimeRange, decider)
    {
    }

    public OneForOneStrategy(Func<Exception, Directive> decider)
        : base(-1, null, decider)
    {
    }

    internal override void ProcessFailure(ActorCell parent, bool restart, ActorCell.ChildEntry failed, Exception cause)
    {
        if (restart && Permit(parent, failed))
        {
            failed.Ref.SendSystemMessage(new Recreate(cause));
        }
        else
        {
            if (restart)
            {
                parent.Log.Error($"{failed.Ref.Path} exceeded {MaxNrOfRetries} restarts within {WithinTimeRange}; stopping it.");
            }
            parent.Stop(failed.Ref);
        }
    }
}

/// <summary>The directive applies to all children of the parent.</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive>? decider)
        : base(maxNrOfRetries, withinTimeRange, decider)
    {
    }

    public AllForOneStrategy(Func<Exception, Directive> decider)
        : base(-1, null, decider)
    {
    }

    internal override void ProcessFailure(ActorCell parent, bool restart, ActorCell.ChildEntry failed, Exception cause)
    {
        var children = parent.ChildEntries();
        var permitted = restart && children.All(c => Permit(parent, c));
        foreach (var child in children)
        {
            if (permitted)
            {
                child.Ref.SendSystemMessage(new Recreate(cause));
            }
            else
            {
                parent.Stop(child.Ref);
            }
        }
    }
}

/// <summary>
/// The user guardian's strategy: top-level actors restart by default, but a failure a top-level actor escalated
/// stops that actor (logged); nothing escalates beyond the guardian, so the process never dies of it.
/// </summary>
internal sealed class UserGuardianStrategy : SupervisorStrategy
{
    public UserGuardianStrategy()
        : base(-1, null, DefaultDecider)
    {
    }

    internal override Directive Decide(Failed failed) =>
        failed.Escalated ? Directive.Stop : Decider(failed.Cause) is Directive.Escalate ? Directive.Stop : Decider(failed.Cause);

    internal override void ProcessFailure(ActorCell parent, bool restart, ActorCell.ChildEntry failed, Exception cause)
    {
        if (restart && Permit(parent, failed))
        {
            failed.Ref.SendSystemMessage(new Recreate(cause));
        }
        else
        {
            parent.Stop(failed.Ref);
        }
    }
}
