using System.Runtime.Serialization;
using System.Text;
using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Serialization;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorCodistill.Cluster.Tests.MultiNode;

/// <summary>A message holding a collection-expression list (a compiler-made type).</summary>
public sealed record Holder(IReadOnlyList<int> Items) : IProductMessage;

/// <summary>A control message as the product's will be: a record that crosses nodes, with an actor ref in it.</summary>
public sealed record PlanStep(long Step, string Note, IActorRef ReplyTo, int[] Members) : IProductMessage;

/// <summary>
/// What a peer can make a node deserialize (issue 17): the product's messages round-trip (across two ActorSystems over
/// Akka.Remote too); bytes for Akka's JSON serializer id and Hyperion bytes naming a foreign type are refused with an
/// error naming the problem, nothing foreign is instantiated, and the node keeps working.
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class SerializationLockdownTests : Akka.TestKit.Xunit2.TestKit
{
    public SerializationLockdownTests(ITestOutputHelper output)
        : base(AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: ["seed"])), "codistill", output)
    {
    }

    private Akka.Serialization.Serialization Serialization => Sys.Serialization;

    [Fact]
    public void AProductMessage_UsesTheLockedSerializer_AndRoundTripsWithItsActorRef()
    {
        var probe = CreateTestProbe();
        var message = new PlanStep(7, "plan", probe.Ref, [0, 1, 2]);
        var serializer = Serialization.FindSerializerFor(message);
        Assert.IsType<ProductMessageSerializer>(serializer);
        Assert.Equal(-5, serializer.Identifier);

        var back = Assert.IsType<PlanStep>(Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, ""));
        Assert.Equal(message.Step, back.Step);
        Assert.Equal(message.Note, back.Note);
        Assert.Equal(message.Members, back.Members);
        Assert.Equal(probe.Ref, back.ReplyTo);
    }

    [Fact]
    public void JsonBytesNamingAForeignType_AreRefused_AndNothingIsInstantiated()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"lockdown-{Guid.NewGuid():N}");
        // What an attacker sends for Akka's default JSON serializer: a $type the receiver would construct.
        var json = $$"""{"$type":"System.IO.DirectoryInfo, System.Private.CoreLib","OriginalPath":"{{marker}}","FullPath":"{{marker}}"}""";
        var e = Assert.Throws<SerializationException>(() =>
            Serialization.Deserialize(Encoding.UTF8.GetBytes(json), ClosedSerializer.Id, "System.IO.DirectoryInfo, System.Private.CoreLib"));
        Assert.Contains("JSON serializer is closed", e.Message);
        Assert.False(Directory.Exists(marker));
    }

    [Fact]
    public void HyperionBytesNamingAForeignType_AreRefusedNamingIt()
    {
        // An unfiltered Hyperion serializer, as a peer could run, writing a type that is not the product's.
        using var stream = new MemoryStream();
        new Hyperion.Serializer().Serialize(new Uri("http://example.invalid/"), stream);
        var e = Assert.ThrowsAny<Exception>(() => Serialization.Deserialize(stream.ToArray(), ProductMessageSerializer.Id, ""));
        Assert.Contains("System.Uri", e.ToString());
    }

    [Fact]
    public void ACompilerMadeCollectionType_IsLetInFromTheProductsAssemblies_Only()
    {
        // A collection expression typed IReadOnlyList<int> is a compiler-synthesised wrapper of the sender's assembly:
        // let in when that assembly is the product's (so `Groups: [0, 2]` may cross nodes), refused from any other.
        var message = new Holder([1, 2]);
        var serializer = Serialization.FindSerializerFor(message);
        Assert.Equal([1, 2], Assert.IsType<Holder>(serializer.FromBinary(serializer.ToBinary(message), null)).Items);
        var wrapper = message.Items.GetType();
        Assert.StartsWith("<>z__ReadOnly", wrapper.Name);
        Assert.True(ProductTypeFilter.Instance.IsAllowed(wrapper.AssemblyQualifiedName!));
        Assert.False(ProductTypeFilter.Instance.IsAllowed("<>z__ReadOnlyArray`1[[System.Int32, System.Private.CoreLib]], Evil.Payloads, Version=1.0.0.0"));
    }

    [Fact]
    public void AMessageTypeWithoutABinding_FailsWhenSent_NamingIt()
    {
        var e = Assert.Throws<SerializationException>(() => Serialization.FindSerializerFor(new Version(1, 2)).ToBinary(new Version(1, 2)));
        Assert.Contains("System.Version", e.Message);
        Assert.Contains(nameof(IProductMessage), e.Message);
    }

    [Fact]
    public async Task AProductMessage_CrossesTwoActorSystemsOverAkkaRemote()
    {
        var other = ActorSystem.Create("codistill", AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: ["worker"])));
        try
        {
            var probe = CreateTestProbe();
            var target = $"{AkkaNode.AddressOf(Sys)}{probe.Ref.Path.ToStringWithoutAddress()}";
            var replyTo = CreateTestProbe();
            other.ActorSelection(target).Tell(new PlanStep(3, "over the wire", replyTo.Ref, [4]));
            var received = probe.ExpectMsg<PlanStep>(TimeSpan.FromSeconds(20));
            Assert.Equal(3, received.Step);
            Assert.Equal("over the wire", received.Note);
        }
        finally
        {
            await other.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
