using System.Text.Json;
using ActorCodistill.Coordinator.Job;
using Microsoft.AspNetCore.Http;

namespace ActorCodistill.Coordinator.Dashboard;

/// <summary>
/// <c>POST /api/change</c>: a topology, reload-interval, weight or drain change, sent to the job the way <c>ctl</c> sends
/// it. Checked in this order, and nothing reaches the job unless every check passes: changes enabled
/// (<c>dashboard.allow-changes</c>; else 403), a bearer value (else 401), the right one (the cluster secret or its
/// dashboard token; else 403), a JSON body that is a change (else 400), a job that is connected (else 503). The job's
/// answer comes back as a <see cref="ChangeAnswer"/>: 200 when accepted, 409 when the coordinator refused it (with its reason).
/// </summary>
internal sealed class ChangeEndpoint(ChangeAuthorizer authorizer, Func<JobAsk?> job, TimeSpan timeout)
{
    /// <summary>A change body is a few dozen bytes; anything much larger is not one.</summary>
    private const int MaxBodyBytes = 4096;

    public async Task Handle(HttpContext context)
    {
        switch (authorizer.Check(context.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null))
        {
            case ChangeAuthorization.Disabled:
                await HttpResults.Problem(context, StatusCodes.Status403Forbidden,
                    "changes from the dashboard are off (dashboard.allow-changes = off); use ctl, or turn them on with a cluster secret").ConfigureAwait(false);
                return;
            case ChangeAuthorization.Missing:
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"codistill-dashboard\"";
                await HttpResults.Problem(context, StatusCodes.Status401Unauthorized,
                    "a change needs the cluster secret or its dashboard token (Authorization: Bearer ...)").ConfigureAwait(false);
                return;
            case ChangeAuthorization.Wrong:
                await HttpResults.Problem(context, StatusCodes.Status403Forbidden,
                    "the secret or token given is not this cluster's; nothing was changed").ConfigureAwait(false);
                return;
        }

        CoordinatorMessage message;
        try
        {
            if (context.Request.ContentLength is > MaxBodyBytes) throw new ArgumentException($"a change body is at most {MaxBodyBytes} bytes");
            var request = await JsonSerializer.DeserializeAsync<ChangeRequest>(context.Request.Body, DashboardJson.Options, context.RequestAborted)
                              .ConfigureAwait(false)
                          ?? throw new ArgumentException("the body is JSON null");
            message = ChangeRequests.ToMessage(request);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            await HttpResults.Problem(context, StatusCodes.Status400BadRequest, $"not a change: {e.Message}").ConfigureAwait(false);
            return;
        }

        if (job() is not { } ask)
        {
            await HttpResults.Problem(context, StatusCodes.Status503ServiceUnavailable, "the job has not started yet").ConfigureAwait(false);
            return;
        }
        object answer;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
        {
            limit.CancelAfter(timeout);
            try
            {
                answer = await ask(message, limit.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                await HttpResults.Problem(context, StatusCodes.Status504GatewayTimeout, $"the job did not answer: {e.Message}").ConfigureAwait(false);
                return;
            }
        }
        if (answer is not ReconfigureResult result)
        {
            await HttpResults.Problem(context, StatusCodes.Status502BadGateway, $"unexpected answer {answer.GetType().Name}").ConfigureAwait(false);
            return;
        }
        await HttpResults.Json(context, new ChangeAnswer(result.Accepted, result.Message, result.AtStep),
            result.Accepted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict).ConfigureAwait(false);
    }
}
