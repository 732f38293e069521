namespace ActorCodistill.Coordinator;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("ActorCodistill coordinator: no commands are wired yet.");
        return 2;
    }
}
