using System.Net;
using System.Text;
using System.Text.Json;
using ActorCodistill.Coordinator.Dashboard;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (issue 20): Debian's chromium, headless, on the page a tiny embedded run serves.
/// Each run is held at fixed steps (<see cref="StepGates"/>), so what the page must show is known exactly while the job
/// is running, and nothing depends on how fast the machine is.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DashboardPageTests
{
    private const string Describe = """
        JSON.stringify({ groups: document.querySelectorAll('#groups tbody tr').length, edges: document.querySelector('#topology').dataset.edges,
          inUse: document.querySelector('#topology').dataset.edgesInUse, points: document.querySelector('#loss-chart').dataset.points,
          phase: document.querySelector('#phase').textContent, connection: document.querySelector('#connection').textContent,
          result: document.querySelector('#change-result').textContent })
        """;

    [Fact]
    public async Task ThePage_ShowsGroupsTopologyAndLossCurve_AndNewPointsArriveWhileTheJobRuns()
    {
        // 2 groups x 2 workers, pairwise; held as step 10 starts (steps 1-9 done) and again as step 20 starts. Exact reloads:
        // at the boundary of step 9 each group waits for its teacher's copy of step 8, so both edges are in use by then
        // whatever the pace (in newest mode a group that ran five steps ahead found no copy yet, seen on 2026-12-07).
        await using var run = await DashboardRun.StartAsync(new StepGates(10, 20),
            "training { steps = 30, burn-in-steps = 4, reload-interval = 4, eval-interval = 5, reload-mode = exact }");
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.Navigate(run.Address.ToString());
        Task<string> State() => browser.Text(Describe)!;

        await browser.WaitFor("document.querySelectorAll('#groups tbody tr').length === 2", "a row per group", describe: State);
        await browser.WaitFor("document.querySelector('#topology').dataset.edges === '0>1 1>0'", "the pairwise topology's two teacher edges", describe: State);
        await browser.WaitFor("document.querySelectorAll('#topology g.node').length === 2", "a node per group", describe: State);
        // Steps 1-9 of both groups, and their evaluation at step 5: all there is until the gate opens.
        await browser.WaitFor("document.querySelector('#loss-chart').dataset.points === '18'", "the 18 points of steps 1-9", describe: State);
        await browser.WaitFor("document.querySelector('#loss-chart').dataset.valPoints === '2'", "the two evaluations of step 5", describe: State);
        Assert.True((await browser.Evaluate("document.querySelectorAll('#loss-chart canvas').length")).GetInt32() >= 1, "the loss chart has no canvas");
        // After burn-in (4 steps) the groups hold each other's copies: the edges are in use, with their age.
        await browser.WaitFor("document.querySelector('#topology').dataset.edgesInUse === '0>1 1>0'", "both edges in use", describe: State);
        Assert.Equal(2, (await browser.Evaluate("document.querySelectorAll('#topology path.edge.in-use').length")).GetInt32());
        Assert.Contains("9 / 30", await browser.Text("document.querySelector('#groups tbody tr').textContent"));
        Assert.False(run.Completion.IsCompleted, "the run ended while held at step 10");

        run.Open(10);
        // Held again as step 20 starts: the page got steps 10-19 of both groups by itself, without a reload.
        await browser.WaitFor("document.querySelector('#loss-chart').dataset.points === '38'", "the 38 points of steps 1-19", describe: State);
        await browser.WaitFor("document.querySelector('#loss-chart').dataset.valPoints === '6'", "the evaluations of steps 5, 10 and 15", describe: State);
        Assert.False(run.Completion.IsCompleted, "the run ended while held at step 20");
        Assert.Empty(browser.PageErrors);

        var result = await run.Finish();
        await browser.WaitFor("document.querySelector('#connection').dataset.state === 'ended'", "that the run ended", describe: State);
        Assert.Equal("finished", await browser.Text("document.querySelector('#phase').dataset.phase"));
        await browser.WaitFor("document.querySelector('#loss-chart').dataset.points === '60'", "all 60 points", describe: State);
        Assert.Equal(60, MetricsReader.Read(result.RunDirectory).Train.Count);
    }

    [Fact]
    public async Task ATopologyChange_AppliedFromThePage_ChangesTheTopologyItShows()
    {
        // 3 groups x 1 worker on a ring; changes on. Held as step 10 starts while the change is made, and as step 30
        // starts, by when every group has used copies of both its new teachers. Exact reloads, as in the test above: in
        // newest mode a group that ran ahead to the gate before its teacher published a copy held none while held, and
        // its edge was never in use (a clean-clone CI run on 2026-12-07 saw "0>1 1>2" for 90 s).
        await using var run = await DashboardRun.StartAsync(new StepGates(10, 30),
            "training { groups = 3, workers-per-group = 1, topology = ring, steps = 40, burn-in-steps = 4, reload-interval = 4, eval-interval = 10, reload-mode = exact }\n" +
            "dashboard.allow-changes = on");
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.Navigate(run.Address.ToString());
        Task<string> State() => browser.Text(Describe)!;

        await browser.WaitFor("document.querySelector('#topology').dataset.edges === '0>1 1>2 2>0'", "the ring's three edges", describe: State);
        await browser.WaitFor("document.querySelector('#topology').dataset.edgesInUse === '0>1 1>2 2>0'", "the ring's edges in use", describe: State);
        Assert.False((await browser.Evaluate("document.querySelector('#changes').hidden")).ValueKind == JsonValueKind.True,
            "the change form is hidden although dashboard.allow-changes = on");

        // What a person does: paste the dashboard token (dashboard-token prints it), choose the change, apply.
        await browser.Fill("#token", ChangeAuthorizer.TokenFor(DashboardRun.Secret));
        await browser.Fill("#change-kind", "topology");
        await browser.Fill("#change-value", "all-to-all");
        await browser.Click("#change-apply");
        await browser.WaitFor("document.querySelector('#change-result').dataset.outcome === 'accepted'", "the change accepted", describe: State);
        Assert.Contains("topology changes to all-to-all at step", await browser.Text("document.querySelector('#change-result').textContent"));
        // The coordinator's topology is all-to-all at once (status): six edges, dashed until the groups use them.
        const string allToAll = "0>1 0>2 1>0 1>2 2>0 2>1";
        await browser.WaitFor($"document.querySelector('#topology').dataset.edges === '{allToAll}'", "the six all-to-all edges", describe: State);
        await browser.WaitFor("document.querySelector('#topology-name').textContent === 'all-to-all'", "the topology's name", describe: State);
        await browser.WaitFor("[...document.querySelectorAll('#events tbody tr')].some(r => r.dataset.category === 'reconfiguration')",
            "the change in the event log", describe: State);

        run.Open(10);
        await browser.WaitFor($"document.querySelector('#topology').dataset.edgesInUse === '{allToAll}'", "all six edges in use after the switch", describe: State);
        Assert.Equal(6, (await browser.Evaluate("document.querySelectorAll('#topology path.edge.in-use').length")).GetInt32());
        Assert.Empty(browser.PageErrors);

        var result = await run.Finish();
        Assert.Contains(MetricsReader.Read(result.RunDirectory).Events, e => e.Message.Contains("topology changes to all-to-all", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWrite_WithoutTheSecret_IsRefused_AndChangesNothing()
    {
        await using var run = await DashboardRun.StartAsync(new StepGates(10),
            "training { groups = 3, workers-per-group = 1, topology = ring, steps = 20, burn-in-steps = 4, reload-interval = 4, eval-interval = 10 }\n" +
            "dashboard.allow-changes = on");
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.Navigate(run.Address.ToString());
        Task<string> State() => browser.Text(Describe)!;
        await browser.WaitFor("document.querySelector('#topology').dataset.edges === '0>1 1>2 2>0'", "the ring's three edges", describe: State);

        // From the page: no secret typed, then a wrong one.
        await browser.Fill("#change-kind", "topology");
        await browser.Fill("#change-value", "all-to-all");
        await browser.Click("#change-apply");
        await browser.WaitFor("document.querySelector('#change-result').dataset.outcome === 'refused'", "the change refused", describe: State);
        Assert.StartsWith("refused (401)", await browser.Text("document.querySelector('#change-result').textContent"));
        await browser.Fill("#token", "not-the-secret");
        await browser.Click("#change-apply");
        await browser.WaitFor("document.querySelector('#change-result').textContent.startsWith('refused (403)')", "the wrong secret refused", describe: State);

        // Straight to the server: the same, and a body that is no change at all is never read without the secret.
        using var http = new HttpClient { BaseAddress = run.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(http, null, """{"kind":"topology","value":"all-to-all"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(http, "Bearer " + ChangeAuthorizer.TokenFor("another-secret"), """{"kind":"weight","value":"0"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(http, "Basic " + DashboardRun.Secret, """{"kind":"drain","value":"x"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(http, "Bearer ", "garbage")).StatusCode);

        // Nothing changed: a status asked after the refusals still says ring, and the job ends with no change in its log.
        var refusedAt = DateTimeOffset.UtcNow;
        await browser.WaitFor($"(async () => {{ const s = (await (await fetch('/api/snapshot')).json()).status; return s && Date.parse(s.utc) > {refusedAt.ToUnixTimeMilliseconds()} && s.topology === 'ring'; }})()",
            "a fresh status that still says ring", describe: State);
        var result = await run.Finish();
        var records = MetricsReader.Read(result.RunDirectory);
        Assert.DoesNotContain(records.Events, e => e.Message.Contains("topology", StringComparison.OrdinalIgnoreCase) ||
                                                   e.Message.Contains("weight", StringComparison.OrdinalIgnoreCase) ||
                                                   e.Message.Contains("drain", StringComparison.OrdinalIgnoreCase));
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string? authorization, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/change") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return http.SendAsync(request);
    }
}
