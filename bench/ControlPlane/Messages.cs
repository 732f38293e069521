using ActorCodistill.Cluster.Serialization;

namespace ActorCodistill.Bench.ControlPlane;

// Small control messages, as the product's plans and acks are. IProductMessage binds them to the locked-down Hyperion
// serializer on Akka.
public sealed record Ping(long Seq) : IProductMessage;

public sealed record Pong(long Seq) : IProductMessage;

/// <summary>After a burst of one-way Pings: how many were sent; the answer says how many arrived.</summary>
public sealed record Flush(long Sent) : IProductMessage;

public sealed record Counted(long Received) : IProductMessage;
