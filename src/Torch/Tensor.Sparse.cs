// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
using N = ActorCodistill.Torch.NativeMethods;

namespace ActorCodistill.Torch;

public static partial class torch
{
    public sealed partial class Tensor
    {
        /// <summary>
        /// True for a sparse COO tensor, such as the gradient of an nn.Embedding(sparse: true) table. Most element
        /// ops (item, data, reshape) do not apply to one; <see cref="to_dense"/> gives the dense equivalent.
        /// </summary>
        public bool is_sparse
        {
            get
            {
                var status = N.cdt_tensor_is_sparse(HandleFor("is_sparse"), out var r);
                GC.KeepAlive(this);
                N.Check(status, "is_sparse");
                return r != 0;
            }
        }

        /// <summary>A new dense tensor with this tensor's values (duplicate sparse entries summed); a copy when already dense.</summary>
        public Tensor to_dense()
        {
            var status = N.cdt_sparse_to_dense(HandleFor("to_dense"), out var r);
            GC.KeepAlive(this);
            return Result(status, r, "to_dense");
        }

        /// <summary>A sparse tensor with sorted, unique indices (duplicates summed). Only for sparse tensors.</summary>
        public Tensor coalesce()
        {
            var status = N.cdt_sparse_coalesce(HandleFor("coalesce"), out var r);
            GC.KeepAlive(this);
            return Result(status, r, "coalesce");
        }

        /// <summary>Stored entries of a sparse tensor, duplicates included until <see cref="coalesce"/>.</summary>
        public long _nnz()
        {
            var status = N.cdt_sparse_nnz(HandleFor("_nnz"), out var r);
            GC.KeepAlive(this);
            N.Check(status, "_nnz");
            return r;
        }
    }
}
