using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using ActorCodistill.Cluster.Bootstrap;
using ActorCodistill.Cluster.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace ActorCodistill.Cluster.Tests.MultiNode;

/// <summary>
/// What a product actor needs from an Akka node besides the cluster (issue 17): its log lines in the product's format
/// (ProductLogger), and a pinned dispatcher that keeps an actor on one thread for its whole life (TorchSharp state and
/// dispose scopes are per thread).
/// </summary>
[Trait("Category", "MultiNode")]
public sealed class AkkaNodeRuntimeTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("codistill",
        AkkaNode.Configuration(new AkkaNodeOptions("codistill", Roles: ["worker"]) { LogLevel = "INFO" }));

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private sealed class Chatty : ReceiveActor
    {
        public Chatty()
        {
            var log = Context.GetLogger();
            Receive<string>(text =>
            {
                log.Warning("step {0}: {1}", 7, text);
                log.Debug("not at INFO");
            });
        }
    }

    private sealed class ThreadReporter : ReceiveActor
    {
        public ThreadReporter() => Receive<string>(_ => Sender.Tell(Environment.CurrentManagedThreadId));
    }

    [Fact]
    public void AnActorsLogLines_ComeOutInTheProductsFormat_AtTheConfiguredLevel()
    {
        var records = new BlockingCollection<ProductLogRecord>();
        ProductLogger.Attach(_system, records.Add);
        var actor = _system.ActorOf(Props.Create(() => new Chatty()), "group-0");
        actor.Tell("waiting for teacher copies");

        ProductLogRecord? warning = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (warning is null && DateTime.UtcNow < deadline)
            if (records.TryTake(out var r, TimeSpan.FromMilliseconds(100)) && r.Source.EndsWith("/user/group-0", StringComparison.Ordinal)) warning = r;
        Assert.NotNull(warning);
        Assert.Equal("WARNING", warning.Level);
        Assert.Equal("step 7: waiting for teacher copies", warning.Message);
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[WARNING\] \[akka(\.tcp)?://codistill(@[^\]]+)?/user/group-0\] \[t\d+\] step 7: waiting for teacher copies$"),
            warning.ToString());
        Thread.Sleep(300);
        Assert.DoesNotContain(records.ToArray(), r => r.Message == "not at INFO");
    }

    [Fact]
    public void AnActorOnThePinnedDispatcher_RunsEveryMessageOnOneThread_OfItsOwn()
    {
        var pinned = _system.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(AkkaNodeOptions.PinnedDispatcher), "worker-0-0");
        var other = _system.ActorOf(Props.Create(() => new ThreadReporter()).WithDispatcher(AkkaNodeOptions.PinnedDispatcher), "worker-0-1");
        var threads = Enumerable.Range(0, 50).Select(_ => pinned.Ask<int>("which thread?", TimeSpan.FromSeconds(5)).Result).Distinct().ToList();
        var otherThreads = Enumerable.Range(0, 50).Select(_ => other.Ask<int>("which thread?", TimeSpan.FromSeconds(5)).Result).Distinct().ToList();
        Assert.Single(threads);
        Assert.Single(otherThreads);
        Assert.NotEqual(threads[0], otherThreads[0]);
    }
}
