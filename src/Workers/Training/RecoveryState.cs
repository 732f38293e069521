using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ActorCodistill.Workers.Training;

/// <summary>One teacher replica of a member at a step: the step of the copy it held, and the state it carried after that step's batch.</summary>
public sealed record TeacherCarry(long CopyStep, float[] Carried);

/// <summary>
/// A member's teacher replicas at a step, by teacher group. <paramref name="Prefetched"/>: during that step's allreduce
/// the member predicted the next batch with these copies (the prefetch), so a member restored to the step makes that
/// prediction again, with these copies, before it loads the next step's.
/// </summary>
public sealed record TeachersAtStep(IReadOnlyDictionary<int, TeacherCarry> ByGroup, bool Prefetched)
{
    public static readonly TeachersAtStep None = new(new Dictionary<int, TeacherCarry>(), false);
}

/// <summary>What a member needs besides weights and optimizer state to go on exactly from a step (by slot in a checkpoint).</summary>
public sealed record MemberRecovery(float[]? Carried, TeachersAtStep? Teachers);

/// <summary>
/// The binary layout of recovery state beyond weights and optimizer state, shared by the bulk channel (a worker's state,
/// a restore) and checkpoint files: carried model state, teacher replicas' state, teacher copies. Little-endian;
/// anything short or out of range is a <see cref="FormatException"/> naming the source.
/// </summary>
public static class RecoveryState
{
    private const byte Version = 1;

    /// <summary>A member's part and optional teacher copies (null: not given).</summary>
    public static byte[] Write(MemberRecovery member, IReadOnlyList<TeacherCheckpoint>? copies)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Version);
            WriteMember(w, member);
            WriteCopies(w, copies);
        }
        return stream.ToArray();
    }

    public static (MemberRecovery Member, IReadOnlyList<TeacherCheckpoint>? Copies) Read(ReadOnlySpan<byte> bytes, string source) =>
        Reading(bytes, source, r => (ReadMember(r), ReadCopies(r)));

    /// <summary>A checkpoint's part: every slot's member state, and the group's teacher copies.</summary>
    public static byte[] WriteGroup(IReadOnlyDictionary<int, MemberRecovery> members, IReadOnlyList<TeacherCheckpoint>? copies)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Version);
            w.Write(members.Count);
            foreach (var (slot, member) in members.OrderBy(kv => kv.Key))
            {
                w.Write(slot);
                WriteMember(w, member);
            }
            WriteCopies(w, copies);
        }
        return stream.ToArray();
    }

    public static (IReadOnlyDictionary<int, MemberRecovery> Members, IReadOnlyList<TeacherCheckpoint>? Copies) ReadGroup(ReadOnlySpan<byte> bytes, string source) =>
        Reading(bytes, source, r =>
        {
            var count = r.Count("slots");
            var members = new Dictionary<int, MemberRecovery>();
            for (var i = 0; i < count; i++)
            {
                var slot = r.Count("slot");
                if (!members.TryAdd(slot, ReadMember(r))) throw r.Bad($"slot {slot} appears twice");
            }
            return ((IReadOnlyDictionary<int, MemberRecovery>)members, ReadCopies(r));
        });

    private static T Reading<T>(ReadOnlySpan<byte> bytes, string source, Func<Reader, T> read)
    {
        var r = new Reader(bytes.ToArray(), source);
        var version = r.Byte();
        if (version != Version) throw r.Bad($"recovery state of version {version}; this build reads version {Version}");
        var result = read(r);
        if (!r.AtEnd) throw r.Bad("bytes left over after the recovery state");
        return result;
    }

    private static void WriteMember(BinaryWriter w, MemberRecovery member)
    {
        WriteFloats(w, member.Carried);
        w.Write(member.Teachers is not null);
        if (member.Teachers is not { } teachers) return;
        w.Write(teachers.Prefetched);
        w.Write(teachers.ByGroup.Count);
        foreach (var (group, carry) in teachers.ByGroup.OrderBy(kv => kv.Key))
        {
            w.Write(group);
            w.Write(carry.CopyStep);
            WriteFloats(w, carry.Carried);
        }
    }

    private static MemberRecovery ReadMember(Reader r)
    {
        var carried = r.Floats();
        if (!r.Bool()) return new MemberRecovery(carried, null);
        var prefetched = r.Bool();
        var count = r.Count("teachers");
        var byGroup = new Dictionary<int, TeacherCarry>();
        for (var i = 0; i < count; i++)
        {
            var group = r.Int();
            if (group < FixedTeacher.Group) throw r.Bad($"a teacher group {group}");
            var step = r.Long();
            var state = r.Floats() ?? throw r.Bad($"teacher group {group} without its carried state");
            if (!byGroup.TryAdd(group, new TeacherCarry(step, state))) throw r.Bad($"teacher group {group} appears twice");
        }
        return new MemberRecovery(carried, new TeachersAtStep(byGroup, prefetched));
    }

    private static void WriteCopies(BinaryWriter w, IReadOnlyList<TeacherCheckpoint>? copies)
    {
        w.Write(copies?.Count ?? -1);
        if (copies is null) return;
        foreach (var copy in copies)
        {
            w.Write(copy.Group);
            w.Write(copy.Step);
            w.Write(copy.Weights.Length);
            w.Write(MemoryMarshal.AsBytes(copy.Weights.Span));
        }
    }

    private static List<TeacherCheckpoint>? ReadCopies(Reader r)
    {
        var count = r.Int();
        if (count < 0) return null;
        var copies = new List<TeacherCheckpoint>(Math.Min(count, 64));
        for (var i = 0; i < count; i++)
        {
            // A live group's id, or the fixed teacher's (two-phase distillation).
            var group = r.Int();
            if (group < FixedTeacher.Group) throw r.Bad($"a copy of group {group}");
            var step = r.Long();
            copies.Add(new TeacherCheckpoint(group, step, r.Halves()));
        }
        return copies;
    }

    private static void WriteFloats(BinaryWriter w, float[]? values)
    {
        w.Write(values?.Length ?? -1);
        if (values is not null) w.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private sealed class Reader(byte[] bytes, string source)
    {
        private int _at;

        public bool AtEnd => _at == bytes.Length;

        public FormatException Bad(string what) => new($"{source}: {what}");

        private ReadOnlySpan<byte> Take(long count, string what)
        {
            if (count < 0 || _at + count > bytes.Length)
                throw Bad($"recovery state cut short: {what} needs {count} bytes at byte {_at} of {bytes.Length}");
            var span = bytes.AsSpan(_at, (int)count);
            _at += (int)count;
            return span;
        }

        public byte Byte() => Take(1, "a byte")[0];

        public bool Bool() => Byte() switch
        {
            0 => false,
            1 => true,
            var b => throw Bad($"a flag of value {b}"),
        };

        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, "an integer"));

        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8, "a step"));

        public int Count(string what)
        {
            var value = Int();
            if (value < 0) throw Bad($"a negative {what} ({value})");
            return value;
        }

        public float[]? Floats()
        {
            var count = Int();
            return count < 0 ? null : MemoryMarshal.Cast<byte, float>(Take((long)count * sizeof(float), $"{count} floats")).ToArray();
        }

        public Half[] Halves()
        {
            var count = Count("copy length");
            return MemoryMarshal.Cast<byte, Half>(Take((long)count * 2, $"{count} float16 weights")).ToArray();
        }
    }
}
