using System.Collections;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// A Microsoft.Extensions.Configuration source over one HOCON document built from layers
/// (files, text, overrides) that are merged and resolved together.
/// </summary>
public sealed class HoconConfigurationSource : IConfigurationSource
{
    /// <summary>Fills a builder with this source's layers, in order; called on every (re)load.</summary>
    public required Action<HoconBuilder> Layers { get; init; }

    /// <summary>Environment for <c>${?VAR}</c>; null means the process environment.</summary>
    public IDictionary? Environment { get; init; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigurationProvider(this);
}

/// <summary>Flattens a resolved HOCON document into <c>a:b:c</c> keys (array items as <c>a:b:0</c>).</summary>
public sealed class HoconConfigurationProvider(HoconConfigurationSource source) : ConfigurationProvider, IConfigurationOriginProvider
{
    private Dictionary<string, HoconOrigin> _origins = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The resolved document of the last load.</summary>
    public HoconObject? Document { get; private set; }

    public IReadOnlyDictionary<string, HoconOrigin> Origins => _origins;

    public override void Load()
    {
        var builder = new HoconBuilder();
        source.Layers(builder);
        var document = builder.Build(source.Environment);
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var origins = new Dictionary<string, HoconOrigin>(StringComparer.OrdinalIgnoreCase);
        Flatten(document, null, data, origins);
        Document = document;
        Data = data;
        _origins = origins;
    }

    public bool TryGetOrigin(string key, out HoconOrigin origin) => _origins.TryGetValue(key, out origin);

    /// <summary>The flattening rule, public so tests and tools can see exactly what the provider exposes.</summary>
    public static void Flatten(HoconValue value, string? prefix, IDictionary<string, string?> data, IDictionary<string, HoconOrigin> origins)
    {
        switch (value)
        {
            case HoconObject o:
                foreach (var (key, child) in o.Fields)
                {
                    Flatten(child, prefix is null ? key : ConfigurationPath.Combine(prefix, key), data, origins);
                }

                break;
            case HoconArray a:
                for (var i = 0; i < a.Items.Count; i++)
                {
                    Flatten(a.Items[i], ConfigurationPath.Combine(prefix ?? "", i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        data, origins);
                }

                break;
            case HoconScalar s when prefix is not null:
                data[prefix] = s.Text;
                origins[prefix] = s.Origin;
                break;
        }
    }
}

public static class HoconConfigurationExtensions
{
    /// <summary>Adds a HOCON file; <paramref name="optional"/> lets it be missing.</summary>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional = false,
        IDictionary? environment = null) =>
        builder.Add(new HoconConfigurationSource { Layers = b => b.AddFile(path, optional), Environment = environment });

    /// <summary>Adds HOCON text, named <paramref name="sourceName"/> in error messages and origins.</summary>
    public static IConfigurationBuilder AddHoconString(this IConfigurationBuilder builder, string text, string sourceName = "<string>",
        IDictionary? environment = null) =>
        builder.Add(new HoconConfigurationSource { Layers = b => b.AddText(text, sourceName), Environment = environment });

    /// <summary>
    /// Where the effective value of <paramref name="key"/> came from: the last provider that has the key
    /// wins in Microsoft.Extensions.Configuration, so the providers are searched from the last.
    /// </summary>
    public static string? DescribeOrigin(this IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return null;
        }

        foreach (var provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _))
            {
                continue;
            }

            return provider is IConfigurationOriginProvider withOrigins && withOrigins.TryGetOrigin(key, out var origin)
                ? origin.ToString()
                : provider.ToString();
        }

        return null;
    }
}
