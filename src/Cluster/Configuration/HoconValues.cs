using System.Globalization;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// The HOCON spec's duration and size formats, plus its lenient booleans. Errors are
/// <see cref="FormatException"/>s quoting the text; <see cref="SettingsReader"/> adds key and origin.
/// </summary>
public static class HoconValues
{
    private static readonly Dictionary<string, decimal> DurationUnits = BuildDurationUnits();

    private static readonly Dictionary<string, decimal> SizeUnits = BuildSizeUnits();

    private static Dictionary<string, decimal> BuildDurationUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal);
        void Add(decimal ticks, params string[] names)
        {
            foreach (var n in names)
            {
                units[n] = ticks;
            }
        }

        // TimeSpan ticks are 100 ns, so nanoseconds are rounded to the nearest tick.
        Add(0.01m, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(10m, "us", "micro", "micros", "microsecond", "microseconds");
        Add(TimeSpan.TicksPerMillisecond, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        return units;
    }

    private static Dictionary<string, decimal> BuildSizeUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal) { [""] = 1m };
        void Add(decimal factor, params string[] names)
        {
            foreach (var n in names)
            {
                units[n] = factor;
            }
        }

        Add(1m, "B", "b", "byte", "bytes");
        string[] powers = ["kilo", "mega", "giga", "tera", "peta"];
        string[] binary = ["kibi", "mebi", "gibi", "tebi", "pebi"];
        string[] letters = ["K", "M", "G", "T", "P"];
        for (var i = 0; i < powers.Length; i++)
        {
            var decimalFactor = Pow(1000m, i + 1);
            var binaryFactor = Pow(1024m, i + 1);
            var l = letters[i];
            var lower = l.ToLowerInvariant();
            // As in the HOCON spec: single letters and the "i" forms are powers of two, "kB"/"kilobyte" powers of ten.
            Add(binaryFactor, l, lower, l + "i", lower + "i", l + "iB", binary[i] + "byte", binary[i] + "bytes");
            Add(decimalFactor, (i == 0 ? "k" : l) + "B", powers[i] + "byte", powers[i] + "bytes");
        }

        return units;
    }

    private static decimal Pow(decimal b, int e)
    {
        var r = 1m;
        for (var i = 0; i < e; i++)
        {
            r *= b;
        }

        return r;
    }

    /// <summary>Parses <c>3s</c>, <c>500ms</c>, <c>1 minute</c>, <c>2h</c>, <c>10us</c>. A unit is required.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, unit) = Split(text, "duration");
        if (unit.Length == 0)
        {
            throw new FormatException($"duration '{text}' has no unit (expected a number with a unit, e.g. 500ms, 3s, 1 minute, 2h)");
        }

        if (!DurationUnits.TryGetValue(unit, out var ticksPerUnit))
        {
            throw new FormatException($"duration '{text}' has unknown unit '{unit}' (expected ns, us, ms, s, m, h or d, or their long names)");
        }

        try
        {
            var ticks = decimal.Round(number * ticksPerUnit, MidpointRounding.AwayFromZero);
            if (ticks > TimeSpan.MaxValue.Ticks || ticks < TimeSpan.MinValue.Ticks)
            {
                throw new OverflowException();
            }

            return TimeSpan.FromTicks((long)ticks);
        }
        catch (OverflowException)
        {
            throw new FormatException($"duration '{text}' is too large (expected at most {TimeSpan.MaxValue.TotalDays:F0} days)");
        }
    }

    /// <summary>Parses <c>128 MiB</c>, <c>64k</c> (= 65536), <c>1 GB</c> (= 10^9), <c>4096</c> (bytes).</summary>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (number, unit) = Split(text, "size");
        if (!SizeUnits.TryGetValue(unit, out var factor))
        {
            throw new FormatException($"size '{text}' has unknown unit '{unit}' (expected B, k/K/KiB (1024), kB (1000), M/MiB, MB, G/GiB, GB, T/TiB, TB, P/PiB, PB)");
        }

        if (number < 0)
        {
            throw new FormatException($"size '{text}' is negative (expected a size of zero or more bytes)");
        }

        try
        {
            var bytes = number * factor;
            if (bytes != decimal.Truncate(bytes))
            {
                throw new FormatException($"size '{text}' is not a whole number of bytes (expected e.g. 1.5k but not 0.1k)");
            }

            if (bytes > long.MaxValue)
            {
                throw new OverflowException();
            }

            return (long)bytes;
        }
        catch (OverflowException)
        {
            throw new FormatException($"size '{text}' is too large (expected at most {long.MaxValue} bytes)");
        }
    }

    /// <summary>HOCON booleans: true/false, yes/no, on/off.</summary>
    public static bool ParseBoolean(string text) => text.Trim() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => throw new FormatException($"'{text}' is not a boolean (expected true/false, on/off or yes/no)"),
    };

    private static (decimal Number, string Unit) Split(string text, string what)
    {
        var s = text.Trim();
        var end = 0;
        if (end < s.Length && s[end] is '-' or '+')
        {
            end++;
        }

        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.'))
        {
            end++;
        }

        var numberText = s[..end];
        if (!decimal.TryParse(numberText, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture,
                out var number))
        {
            throw new FormatException(s.Length == 0
                ? $"empty {what} (expected a number followed by a unit)"
                : $"{what} '{text}' does not start with a number (expected e.g. {(what == "size" ? "128 MiB" : "500ms")})");
        }

        return (number, s[end..].Trim());
    }
}
