using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Typed, validated reads of configuration keys, for binding settings records once at start-up.
/// Keys are dotted HOCON paths relative to the reader's section; every failure is a
/// <see cref="ConfigException"/> that says where the bad value came from.
/// </summary>
/// <example><code>
/// var fd = new SettingsReader(config).At("cluster.failure-detector");
/// var threshold = fd.GetDouble("threshold", min: 0, minExclusive: true);
/// </code></example>
public sealed class SettingsReader
{
    private readonly IConfiguration _configuration;
    private readonly string _prefix;

    public SettingsReader(IConfiguration configuration, string section = "")
    {
        _configuration = configuration ?? throw new ArgumentNullException(nameof(configuration));
        _prefix = section;
    }

    public IConfiguration Configuration => _configuration;

    /// <summary>A reader for a sub-section, e.g. <c>At("remote.tls")</c>.</summary>
    public SettingsReader At(string section) => new(_configuration, FullKey(section));

    /// <summary>The dotted key as written in HOCON, including this reader's section.</summary>
    public string FullKey(string key) => _prefix.Length == 0 ? key : key.Length == 0 ? _prefix : $"{_prefix}.{key}";

    public bool Exists(string key) => GetRaw(key, out _) || _configuration.GetSection(ConfigKey(key)).GetChildren().Any();

    /// <summary>Where the value of a key came from, or null when it is not set.</summary>
    public string? OriginOf(string key) => _configuration.DescribeOrigin(ConfigKey(key));

    public string GetString(string key, bool allowEmpty = true)
    {
        var value = Require(key, allowEmpty ? "a string" : "a non-empty string");
        if (!allowEmpty && value.Length == 0)
        {
            throw Error(key, "a non-empty string", "empty string");
        }

        return value;
    }

    /// <summary>A string restricted to a fixed set of words (compared exactly).</summary>
    public string GetOneOf(string key, params string[] allowed)
    {
        var expected = "one of " + string.Join(", ", allowed);
        var value = Require(key, expected);
        return allowed.Contains(value, StringComparer.Ordinal) ? value : throw Error(key, expected, "not an allowed value");
    }

    public int GetInt(string key, int min = int.MinValue, int max = int.MaxValue) =>
        (int)ReadInteger(key, min, max, int.MinValue, int.MaxValue);

    public long GetLong(string key, long min = long.MinValue, long max = long.MaxValue) =>
        ReadInteger(key, min, max, long.MinValue, long.MaxValue);

    private long ReadInteger(string key, long min, long max, long floor, long ceiling)
    {
        var expected = DescribeRange("an integer", min, max, floor, ceiling);
        var value = Require(key, expected);
        if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result))
        {
            throw Error(key, expected, "not an integer");
        }

        return result < min || result > max ? throw Error(key, expected, "out of range") : result;
    }

    public double GetDouble(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool minExclusive = false)
    {
        var lower = double.IsNegativeInfinity(min) ? "" : minExclusive ? $" > {F(min)}" : $" >= {F(min)}";
        var upper = double.IsPositiveInfinity(max) ? "" : $" <= {F(max)}";
        var expected = $"a number{lower}{(lower.Length > 0 && upper.Length > 0 ? " and" : "")}{upper}";
        var value = Require(key, expected);
        if (!double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var result) || !double.IsFinite(result))
        {
            throw Error(key, expected, "not a number");
        }

        var below = minExclusive ? result <= min : result < min;
        return below || result > max ? throw Error(key, expected, "out of range") : result;
    }

    public bool GetBool(string key) => Get(key, "a boolean (true/false, on/off, yes/no)", HoconValues.ParseBoolean);

    /// <summary>A duration with a unit (<c>500ms</c>, <c>3s</c>); a bare number is rejected rather than guessed.</summary>
    public TimeSpan GetDuration(string key, TimeSpan? min = null, TimeSpan? max = null)
    {
        var expected = "a duration with a unit such as 500ms, 3s or 1 minute"
                       + (min is { } lo ? $", at least {Show(lo)}" : "") + (max is { } hi ? $", at most {Show(hi)}" : "");
        var result = Get(key, expected, HoconValues.ParseDuration);
        return result < min || result > max ? throw Error(key, expected, "out of range") : result;
    }

    /// <summary>A size in bytes: <c>4 MiB</c>, <c>64k</c> (binary), <c>1 GB</c> (decimal), <c>4096</c>.</summary>
    public long GetSize(string key, long min = 0, long max = long.MaxValue)
    {
        var expected = DescribeRange("a size such as 4096, 64k or 4 MiB", min, max, 0, long.MaxValue, " bytes");
        var result = Get(key, expected, HoconValues.ParseSize);
        return result < min || result > max ? throw Error(key, expected, "out of range") : result;
    }

    /// <summary>An enum written in kebab case: <c>keep-majority</c> binds <c>KeepMajority</c>.</summary>
    public TEnum GetEnum<TEnum>(string key) where TEnum : struct, Enum
    {
        var names = Enum.GetNames<TEnum>();
        var expected = "one of " + string.Join(", ", names.Select(ToKebabCase));
        var value = Require(key, expected);
        var match = names.FirstOrDefault(n => ToKebabCase(n) == value.Trim());
        return match is null ? throw Error(key, expected, "not an allowed value") : Enum.Parse<TEnum>(match);
    }

    /// <summary>
    /// A list: a HOCON array (<c>a:0</c>, <c>a:1</c> ... keys), or one comma-separated string as an
    /// environment variable or <c>--set</c> gives it. An empty HOCON array leaves no keys, so a missing key reads as empty.
    /// </summary>
    public IReadOnlyList<string> GetStringList(string key)
    {
        var section = _configuration.GetSection(ConfigKey(key));
        var children = section.GetChildren().ToList();
        if (children.Count > 0)
        {
            return children.Select(c => c.Value ?? throw Error($"{key}.{c.Key}", "a list of strings", "nested object in list")).ToList();
        }

        return string.IsNullOrWhiteSpace(section.Value)
            ? []
            : section.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// The hook for other value types: <paramref name="parse"/> may throw <see cref="FormatException"/>
    /// or <see cref="ArgumentException"/>, which become a <see cref="ConfigException"/> for this key.
    /// </summary>
    public T Get<T>(string key, string expected, Func<string, T> parse)
    {
        var value = Require(key, expected);
        try
        {
            return parse(value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw Error(key, expected, e.Message);
        }
    }

    /// <summary>
    /// An error for <paramref name="key"/> with its origin and current value, for checks that span
    /// several keys (a minimum above a maximum) and are made after reading.
    /// </summary>
    public ConfigException Error(string key, string expected, string problem)
    {
        GetRaw(key, out var value);
        return new ConfigException(FullKey(key), OriginOf(key) ?? "(not set)", value, expected, problem);
    }

    internal static string ToKebabCase(string pascal)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }

    private string Require(string key, string expected)
    {
        if (GetRaw(key, out var value) && value is not null)
        {
            return value;
        }

        if (Exists(key))
        {
            throw Error(key, expected, "an object or list where a single value belongs");
        }

        if (_configuration.DescribeOrigin(ConfigKey(key)) is { } origin)
        {
            throw new ConfigException(FullKey(key), origin, null, expected, "null");
        }

        throw new ConfigException(FullKey(key), null, null, expected);
    }

    private bool GetRaw(string key, out string? value)
    {
        var section = _configuration.GetSection(ConfigKey(key));
        value = section.Value;
        return value is not null;
    }

    private string ConfigKey(string key)
    {
        var full = FullKey(key);
        try
        {
            return ConfigurationPath.Combine(HoconPath.Parse(full));
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"'{full}' is not a valid configuration key path: {e.Message}", nameof(key), e);
        }
    }

    private static string DescribeRange(string what, long min, long max, long floor, long ceiling, string unit = "")
    {
        if (min == floor && max == ceiling)
        {
            return what;
        }

        if (max == ceiling)
        {
            return $"{what} >= {min}{unit}";
        }

        return min == floor ? $"{what} <= {max}{unit}" : $"{what} between {min} and {max}{unit}";
    }

    private static string F(double d) => d.ToString(CultureInfo.InvariantCulture);

    private static string Show(TimeSpan t) => t.TotalMilliseconds < 1000
        ? $"{t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : $"{t.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
}
