using System.Collections;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

[Trait("Category", "Unit")]
public class ConfigLoaderTests
{
    private static Hashtable Env(params (string Key, string Value)[] vars) => Fixtures.Environment(vars);

    [Fact]
    public void ReferenceOnly_HasDefaultsFromRealReferenceConf()
    {
        var config = ConfigLoader.Load(null, null, Env());
        Assert.Equal("50", config["training:reload-interval"]);
        Assert.Equal("lstm-lm", config["training:model"]);
        Assert.Equal("bible -f Gen1:1-Rev22:21", config["data:kjv-command"]);
        Assert.Equal("4 MiB", config["remote:maximum-frame-size"]);
        Assert.Equal("", config["remote:secret"]);
        Assert.Equal("", config["persistence:journal:postgres:connection-string"]);
        Assert.StartsWith(Fixtures.RepositoryReference + ":", config.DescribeOrigin("training:reload-interval"));
    }

    [Fact]
    public void UserFile_MergesOntoReference_AndSubstitutesReferenceKeys()
    {
        var config = ConfigLoader.Load(Fixtures.Path("user.conf"), null, Env());
        Assert.Equal("30", config["training:reload-interval"]);
        Assert.Equal("4", config["training:groups"]);
        Assert.Equal("300", config["training:steps"]);
        Assert.Equal("kjv-lstm-lm", config["training:log-dir"]);
        Assert.Equal("127.0.0.1:4054", config["cluster:seed-nodes:1"]);
        Assert.Equal("worker", config["cluster:roles:0"]);
        Assert.Equal($"{Fixtures.Path("user.conf")}:3:21", config.DescribeOrigin("training:reload-interval"));
    }

    [Fact]
    public void Environment_OverridesFile_CommandLineOverridesEnvironment()
    {
        var env = Env(("CODISTILL__training__reload-interval", "25"), ("CODISTILL__training__groups", "6"));
        var fileAndEnv = ConfigLoader.Load(Fixtures.Path("user.conf"), null, env);
        Assert.Equal("25", fileAndEnv["training:reload-interval"]);
        Assert.Equal("env CODISTILL__training__reload-interval", fileAndEnv.DescribeOrigin("training:reload-interval"));

        var all = ConfigLoader.Load(Fixtures.Path("user.conf"), new Dictionary<string, string?> { ["training.reload-interval"] = "20" }, env);
        Assert.Equal("20", all["training:reload-interval"]);
        Assert.Equal("6", all["training:groups"]);
        Assert.Equal("command line --set training.reload-interval=20", all.DescribeOrigin("training:reload-interval"));
    }

    [Fact]
    public void Overrides_AreSeenBySubstitutions_AndMatchKeysIgnoringCase()
    {
        var config = ConfigLoader.Load(Fixtures.Path("user.conf"), new Dictionary<string, string?> { ["training:model"] = "mlp" },
            Env(("CODISTILL__DATA__CORPUS", "mnist")));
        Assert.Equal("mnist-mlp", config["training:log-dir"]);
        Assert.Equal("mnist", config["data:corpus"]);
    }

    [Fact]
    public void SecretFromEnvironmentVariable_ReplacesEmptyDefault()
    {
        var config = ConfigLoader.Load(null, null, Env(("CODISTILL_SECRET", "hunter2"), ("CODISTILL_PG", "Host=localhost")));
        Assert.Equal("hunter2", config["remote:secret"]);
        Assert.Equal("Host=localhost", config["persistence:journal:postgres:connection-string"]);
        Assert.Equal("hunter2", RemoteSettings.From(config, requireSecret: true).Secret);
    }

    [Fact]
    public void LocateReference_WalksUpFromStartDirectory()
    {
        var found = ConfigLoader.LocateReference(new Hashtable(), ["/nonexistent-h4/a", Path.Combine(Fixtures.SourceDirectory, "Fixtures", "sub")]);
        Assert.Equal(Fixtures.RepositoryReference, found);
    }

    [Fact]
    public void LocateReference_NotFound_ListsEveryPlaceLooked()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ConfigLoader.LocateReference(new Hashtable(), ["/nonexistent-h4/a"]));
        Assert.Contains("Looked in:", e.Message);
        Assert.Contains("/nonexistent-h4/a/hocon/reference.conf", e.Message);
        Assert.Contains("/nonexistent-h4/hocon/reference.conf", e.Message);
        Assert.Contains(ConfigLoader.ReferenceVariable, e.Message);
    }

    [Fact]
    public void LocateReference_ExplicitVariableToMissingFile_SaysWhere()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ConfigLoader.LocateReference(Env((ConfigLoader.ReferenceVariable, "/nonexistent/reference.conf"))));
        Assert.Contains("/nonexistent/reference.conf", e.Message);
    }

    [Fact]
    public void MissingUserFile_NamesIt()
    {
        var e = Assert.Throws<HoconException>(() => ConfigLoader.Load("/nonexistent/my.conf", null, Env()));
        Assert.Equal("/nonexistent/my.conf", e.File);
    }
}
