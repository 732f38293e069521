using System.Text;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Writes a resolved document back as HOCON (strings always quoted, so it reads back to the same
/// values). Used to print the effective configuration at start-up.
/// </summary>
public static class HoconRenderer
{
    public static string Render(HoconObject root)
    {
        var sb = new StringBuilder();
        WriteFields(sb, root, 0);
        return sb.ToString();
    }

    public static string RenderValue(HoconValue value)
    {
        var sb = new StringBuilder();
        WriteValue(sb, value, 0);
        return sb.ToString();
    }

    private static void WriteFields(StringBuilder sb, HoconObject obj, int indent)
    {
        foreach (var (key, value) in obj.Fields)
        {
            sb.Append(' ', indent * 2).Append(HoconPath.RenderKey(key)).Append(value is HoconObject ? " " : " = ");
            WriteValue(sb, value, indent);
            sb.Append('\n');
        }
    }

    private static void WriteValue(StringBuilder sb, HoconValue value, int indent)
    {
        switch (value)
        {
            case HoconObject o when o.Count == 0:
                sb.Append("{}");
                break;
            case HoconObject o:
                sb.Append("{\n");
                WriteFields(sb, o, indent + 1);
                sb.Append(' ', indent * 2).Append('}');
                break;
            case HoconArray a:
                sb.Append('[');
                for (var i = 0; i < a.Items.Count; i++)
                {
                    sb.Append(i == 0 ? "" : ", ");
                    WriteValue(sb, a.Items[i], indent + 1);
                }

                sb.Append(']');
                break;
            case HoconScalar { Kind: HoconScalarKind.String } s:
                sb.Append(HoconPath.Quote(s.Text!));
                break;
            case HoconScalar s:
                sb.Append(s.Text ?? "null");
                break;
            default:
                throw new InvalidOperationException("only resolved documents can be rendered");
        }
    }
}
