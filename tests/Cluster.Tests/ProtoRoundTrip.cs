using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ActorCodistill.Cluster.Tests;

/// <summary>The checks every .proto file's messages get: byte-exact round trip, and no message left untested.</summary>
internal static class ProtoRoundTrip
{
    public static void AssertRoundTrips(IMessage message)
    {
        var bytes = message.ToByteArray();
        var parsed = message.Descriptor.Parser.ParseFrom(bytes);
        Assert.Equal(message, parsed);
        Assert.NotEqual(message, (IMessage)Activator.CreateInstance(message.GetType())!);
        Assert.Equal(bytes, parsed.ToByteArray());
    }

    public static void AssertCoversEveryMessage(FileDescriptor file, IEnumerable<object[]> rows)
    {
        var covered = rows.Select(row => ((IMessage)row[0]).Descriptor.FullName).ToHashSet();
        var declared = file.MessageTypes.Select(m => m.FullName).ToHashSet();
        Assert.Equal(declared.Order(), declared.Intersect(covered).Order());
    }
}
