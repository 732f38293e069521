using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>Writing the dashboard's JSON answers: the body, or a <see cref="Problem"/> with its status code.</summary>
internal static class HttpResults
{
    public static async Task Json<T>(HttpContext context, T value, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, DashboardJson.Options, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task Problem(HttpContext context, int status, string error) => Json(context, new Problem(error), status);
}
