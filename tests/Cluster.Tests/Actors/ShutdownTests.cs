using System.Collections.Concurrent;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

[Trait("Category", "Unit")]
public class ShutdownTests : ActorTestKit
{
    [Fact]
    public async Task Run_TasksAddedOutOfOrder_PhasesRunInOrderOnce()
    {
        var ran = new ConcurrentQueue<string>();
        var shutdown = Sys.CoordinatedShutdown;
        foreach (var phase in CoordinatedShutdown.OrderedPhases.Reverse())
        {
            shutdown.AddTask(phase, "record-" + phase, () =>
            {
                ran.Enqueue(phase);
                return Task.CompletedTask;
            });
        }

        var first = shutdown.Run(new CoordinatedShutdown.UnknownReason());
        var second = shutdown.Run(new CoordinatedShutdown.ClusterLeavingReason());
        await first.WaitAsync(DefaultTimeout);

        Assert.Same(first, second);
        Assert.Equal(CoordinatedShutdown.OrderedPhases, ran.ToArray());
        Assert.IsType<CoordinatedShutdown.UnknownReason>(shutdown.ShutdownReason);
        Assert.True(Sys.WhenTerminated.IsCompleted);
    }

    [Fact]
    public async Task Run_PhaseTimesOut_LaterPhasesStillRun()
    {
        var ran = new ConcurrentQueue<string>();
        var shutdown = Sys.CoordinatedShutdown;
        shutdown.SetPhaseTimeout(CoordinatedShutdown.PhaseServiceStop, TimeSpan.FromMilliseconds(50));
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "hangs", () => new TaskCompletionSource().Task);
        shutdown.AddTask(CoordinatedShutdown.PhaseClusterLeave, "leave", () =>
        {
            ran.Enqueue("leave");
            return Task.CompletedTask;
        });

        await shutdown.Run(new CoordinatedShutdown.UnknownReason()).WaitAsync(DefaultTimeout);

        Assert.Equal(new[] { "leave" }, ran.ToArray());
        Assert.Contains(LogSink.Events, e => e.Level == LogLevel.Warning && e.Message.Contains("hangs"));
    }

    [Fact]
    public void AddTask_UnknownPhase_ErrorNamesPhase()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Sys.CoordinatedShutdown.AddTask("service-stopp", "x", () => Task.CompletedTask));
        Assert.Contains("service-stopp", error.Message);
    }

    [Fact]
    public async Task Terminate_Tree_ChildrenPostStopBeforeParents()
    {
        var order = new ConcurrentQueue<string>();
        ActorOf(Props.Create(() => new TreeActor(order, "root", 2)), "root");
        AwaitCondition(() => order.Count == 7);
        order.Clear();

        await Sys.Terminate().WaitAsync(DefaultTimeout);

        var stopped = order.ToList();
        Assert.Equal(7, stopped.Count);
        foreach (var name in stopped)
        {
            foreach (var child in new[] { name + "/0", name + "/1" })
            {
                if (stopped.Contains(child))
                {
                    Assert.True(stopped.IndexOf(child) < stopped.IndexOf(name), $"{child} stopped after {name}");
                }
            }
        }
        Assert.Equal("root", stopped[^1]);
    }

    private sealed class TreeActor : ReceiveActor
    {
        private readonly ConcurrentQueue<string> _order;
        private readonly string _name;

        public TreeActor(ConcurrentQueue<string> order, string name, int depth)
        {
            _order = order;
            _name = name;
            for (var i = 0; i < 2 && depth > 0; i++)
            {
                var childName = $"{name}/{i}";
                Context.ActorOf(Props.Create(() => new TreeActor(order, childName, depth - 1)), i.ToString());
            }
        }

        protected override void PreStart() => _order.Enqueue("started " + _name);

        protected override void PostStop() => _order.Enqueue(_name);
    }
}
