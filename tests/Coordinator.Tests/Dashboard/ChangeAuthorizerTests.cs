using ActorCodistill.Coordinator.Dashboard;

namespace ActorCodistill.Coordinator.Tests.Dashboard;

[Trait("Category", "Unit")]
public sealed class ChangeAuthorizerTests
{
    private const string Secret = "s3cret-of-the-cluster";

    [Fact]
    public void TheSecret_OrItsToken_IsAllowed_AnythingElseIsNot()
    {
        var authorizer = new ChangeAuthorizer(enabled: true, Secret);
        Assert.Equal(ChangeAuthorization.Allowed, authorizer.Check("Bearer " + Secret));
        Assert.Equal(ChangeAuthorization.Allowed, authorizer.Check("bearer " + ChangeAuthorizer.TokenFor(Secret)));
        Assert.Equal(ChangeAuthorization.Missing, authorizer.Check(null));
        Assert.Equal(ChangeAuthorization.Missing, authorizer.Check("Bearer   "));
        Assert.Equal(ChangeAuthorization.Missing, authorizer.Check("Basic " + Secret));
        Assert.Equal(ChangeAuthorization.Wrong, authorizer.Check("Bearer " + Secret + "x"));
        Assert.Equal(ChangeAuthorization.Wrong, authorizer.Check("Bearer " + Secret[..^1]));
        Assert.Equal(ChangeAuthorization.Wrong, authorizer.Check("Bearer " + ChangeAuthorizer.TokenFor("another secret")));
    }

    [Fact]
    public void WithChangesOff_EvenTheSecretIsRefused()
    {
        Assert.Equal(ChangeAuthorization.Disabled, new ChangeAuthorizer(enabled: false, Secret).Check("Bearer " + Secret));
        Assert.Equal(ChangeAuthorization.Disabled, new ChangeAuthorizer(enabled: false, "").Check("Bearer "));
    }

    [Fact]
    public void TheToken_IsTheHmacOfThePurposeKeyedByTheSecret()
    {
        // HMAC-SHA256(key = secret, message = purpose), lowercase hex: a user can compute it with any HMAC tool.
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(Secret), System.Text.Encoding.UTF8.GetBytes("actorcodistill/dashboard-changes/v1")));
        Assert.Equal(expected, ChangeAuthorizer.TokenFor(Secret));
        Assert.NotEqual(ChangeAuthorizer.TokenFor(Secret), ChangeAuthorizer.TokenFor(Secret + "!"));
    }
}
