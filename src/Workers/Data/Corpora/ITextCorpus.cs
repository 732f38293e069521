namespace ActorCodistill.Workers.Data;

/// <summary>One document of a corpus; <see cref="Name"/> identifies it in logs and errors.</summary>
public sealed record TextDocument(string Name, string Text);

/// <summary>A source of documents in a fixed, deterministic order.</summary>
public interface ITextCorpus
{
    string Name { get; }

    IReadOnlyList<TextDocument> LoadDocuments();
}
