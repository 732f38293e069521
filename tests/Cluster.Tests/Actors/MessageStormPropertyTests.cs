using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.TestKit;

namespace ActorCodistill.Cluster.Tests.Actors;

/// <summary>
/// Property: messages routed through random chains of 100 actors (routes drawn from a fixed seed) all arrive
/// exactly once, and every sender-receiver pair sees its messages in send order (checked by per-pair sequence
/// numbers at every hop).
/// </summary>
[Trait("Category", "Unit")]
public class MessageStormPropertyTests : ActorTestKit
{
    private const int Nodes = 100;
    private const int Origins = 10;

    [Theory]
    [InlineData(1, 3000)]
    [InlineData(7, 3000)]
    [InlineData(2026, 3000)]
    public async Task Storm_RandomRoutes_NothingLostNothingDuplicatedPairOrderKept(int seed, int messages)
    {
        var rng = new Random(seed);
        var routes = new List<(int Origin, int Seq, ImmutableArray<int> Route)>();
        var seqs = new int[Origins];
        var expectedPerNode = new int[Nodes];
        for (var i = 0; i < messages; i++)
        {
            var origin = rng.Next(Origins);
            var route = Enumerable.Range(0, rng.Next(1, 7)).Select(_ => rng.Next(Nodes)).ToImmutableArray();
            foreach (var n in route)
            {
                expectedPerNode[n]++;
            }
            routes.Add((origin, seqs[origin]++, route));
        }

        var probe = CreateTestProbe();
        var collector = ActorOf(Props.Create(() => new Collector(messages, probe.Ref)), "collector");
        var nodes = Enumerable.Range(0, Nodes)
            .Select(i => ActorOf(Props.Create(() => new Node(i, collector)), $"node-{i}")).ToArray();
        foreach (var node in nodes)
        {
            node.Tell(new Peers(nodes.ToImmutableArray()));
        }

        await Task.WhenAll(Enumerable.Range(0, Origins).Select(origin => Task.Run(() =>
        {
            var pairSeq = new long[Nodes];
            foreach (var (o, seq, route) in routes.Where(r => r.Origin == origin))
            {
                var first = route[0];
                nodes[first].Tell(new Hop(o, seq, route, 0, -1 - o, ++pairSeq[first]));
            }
        })));

        var report = probe.ExpectMsg<CollectorReport>(timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(messages, report.Distinct);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.OrderViolations);
        for (var i = 0; i < Nodes; i++)
        {
            var stats = await nodes[i].Ask<NodeStats>("stats", TimeSpan.FromSeconds(10));
            Assert.Equal(expectedPerNode[i], stats.Received);
            Assert.Equal(0, stats.OrderViolations);
        }
    }

    private sealed record Peers(ImmutableArray<IActorRef> Nodes);

    private sealed record Hop(int Origin, int Seq, ImmutableArray<int> Route, int Index, int From, long PairSeq);

    private sealed record Arrived(int Origin, int Seq, int From, long PairSeq);

    private sealed record NodeStats(int Received, int OrderViolations);

    private sealed record CollectorReport(int Distinct, int Duplicates, int OrderViolations);

    private sealed class Node : ReceiveActor
    {
        private readonly Dictionary<int, long> _lastSeen = new();
        private readonly long[] _nextSeq = new long[Nodes];
        private long _collectorSeq;
        private ImmutableArray<IActorRef> _peers;
        private int _received;
        private int _violations;

        public Node(int id, IActorRef collector)
        {
            Receive<Peers>(p => _peers = p.Nodes);
            Receive<Hop>(h =>
            {
                _received++;
                var last = _lastSeen.GetValueOrDefault(h.From);
                if (h.PairSeq != last + 1)
                {
                    _violations++;
                }
                _lastSeen[h.From] = h.PairSeq;
                if (h.Index + 1 < h.Route.Length)
                {
                    var next = h.Route[h.Index + 1];
                    _peers[next].Tell(h with { Index = h.Index + 1, From = id, PairSeq = ++_nextSeq[next] });
                }
                else
                {
                    collector.Tell(new Arrived(h.Origin, h.Seq, id, ++_collectorSeq));
                }
            });
            Receive<string>(_ => Sender.Tell(new NodeStats(_received, _violations)), s => s == "stats");
        }
    }

    private sealed class Collector : ReceiveActor
    {
        private readonly HashSet<(int, int)> _seen = new();
        private readonly Dictionary<int, long> _lastSeen = new();
        private int _duplicates;
        private int _violations;

        public Collector(int expected, IActorRef probe)
        {
            Receive<Arrived>(a =>
            {
                if (!_seen.Add((a.Origin, a.Seq)))
                {
                    _duplicates++;
                }
                if (a.PairSeq != _lastSeen.GetValueOrDefault(a.From) + 1)
                {
                    _violations++;
                }
                _lastSeen[a.From] = a.PairSeq;
                if (_seen.Count + _duplicates == expected)
                {
                    probe.Tell(new CollectorReport(_seen.Count, _duplicates, _violations));
                }
            });
        }
    }
}
