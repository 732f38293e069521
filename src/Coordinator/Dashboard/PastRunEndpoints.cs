using Microsoft.AspNetCore.Http;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// <c>GET /api/runs</c> (the run folders under the log dir), <c>GET /api/run?name=</c> (one of them read back) and
/// <c>GET /api/compare?a=&amp;b=</c> (two side by side). A name that is not a run folder there is a 404 naming it; a
/// folder whose files do not read, a 422 with the reader's message.
/// </summary>
internal sealed class PastRunEndpoints(PastRuns runs)
{
    public Task List(HttpContext context) => HttpResults.Json(context, runs.List());

    public Task Read(HttpContext context) => Answer(context, () => runs.Read(Query(context, "name")));

    public Task Compare(HttpContext context) => Answer(context, () => runs.Compare(Query(context, "a"), Query(context, "b")));

    private static string Query(HttpContext context, string key) =>
        context.Request.Query[key].ToString() is { Length: > 0 } value ? value : throw new ArgumentException($"the query needs {key}=<run folder name>");

    private static async Task Answer<T>(HttpContext context, Func<T> read)
    {
        T value;
        try
        {
            // Reading a long run's metrics is file work: off the request thread's way, on the pool.
            value = await Task.Run(read, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await HttpResults.Problem(context, StatusCodes.Status404NotFound, e.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await HttpResults.Problem(context, StatusCodes.Status422UnprocessableEntity, e.Message).ConfigureAwait(false);
            return;
        }
        await HttpResults.Json(context, value).ConfigureAwait(false);
    }
}
