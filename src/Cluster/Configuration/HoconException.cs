namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// A HOCON document could not be parsed or resolved. The message starts with
/// <c>file:line:col:</c> so editors and terminals can jump to the spot.
/// </summary>
public sealed class HoconException : Exception
{
    public HoconException(HoconOrigin origin, string problem, Exception? inner = null)
        : base($"{origin}: {problem}", inner)
    {
        Origin = origin;
        Problem = problem;
    }

    public HoconOrigin Origin { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Problem { get; }

    public string File => Origin.Source;

    public int Line => Origin.Line;

    public int Column => Origin.Column;
}
