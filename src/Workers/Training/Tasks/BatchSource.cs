namespace ActorCodistill.Workers.Training.Tasks;

/// <summary>A worker's endless stream of training batches, resumable by replaying <see cref="Consumed"/> batches.</summary>
public interface IBatchSource
{
    object Next();

    /// <summary>Number of batches handed out so far.</summary>
    long Consumed { get; }
}

/// <summary>An <see cref="IBatchSource"/> over a function that returns the next batch.</summary>
public sealed class BatchSource(Func<object> next) : IBatchSource
{
    public long Consumed { get; private set; }

    public object Next()
    {
        Consumed++;
        return next();
    }
}
