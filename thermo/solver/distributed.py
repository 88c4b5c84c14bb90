"""One run over several processes (hosts): ``thermo run --distributed``.

Every process runs the same case; :func:`initialize` joins them through JAX's
distributed runtime (``jax.distributed.initialize``), after which ``jax.devices()``
lists the devices of every process and the grid is split over all of them
(:mod:`thermo.solver.sharding`). Where the processes find each other:

* ``JAX_COORDINATOR_ADDRESS`` (``host:port`` of process 0, read by JAX),
  ``JAX_NUM_PROCESSES`` and ``JAX_PROCESS_ID`` (read here); or, without them,
* a launcher JAX detects itself: SLURM (``srun``: ``SLURM_JOB_ID``,
  ``SLURM_NTASKS``, ``SLURM_PROCID``, ``SLURM_STEP_NODELIST``), Open MPI
  (``mpirun``: ``OMPI_MCA_orte_hnp_uri``, ``OMPI_COMM_WORLD_SIZE``,
  ``OMPI_COMM_WORLD_RANK``), mpi4py, Kubernetes.
* ``JAX_LOCAL_DEVICE_IDS`` (read by JAX) picks this process's GPUs.
* ``THERMO_HEARTBEAT_TIMEOUT`` (s, default 100, JAX's): a process that sends no
  heartbeat for this long is declared dead, and the coordination service stops
  every other process with an error naming it, instead of their waiting forever
  in a collective.

Output (see :func:`thermo.solver.sharding.sharded`): between device calls every
process holds the whole state (gathered after each call), and process 0 alone
writes the result, the summary, frames and checkpoints; the others write into a
temporary folder removed at the end. The cost: each host holds the whole state
once more than its shard (for 1e8 cells in float64 about 10 GB of host memory);
on the devices each holds its shard plus the halo and replicated arrays.
"""
from __future__ import annotations

import os

#: seconds without a heartbeat before a process is declared dead (JAX's default)
HEARTBEAT_TIMEOUT_S = 100


class DistributedError(RuntimeError):
    """The environment does not say how the processes find each other."""


def initialize() -> tuple[int, int]:
    """Join the run's processes; ``(process index, process count)``. Raises
    :class:`DistributedError` naming the variables when they are incomplete."""
    import jax

    address = os.environ.get("JAX_COORDINATOR_ADDRESS")
    count, index = os.environ.get("JAX_NUM_PROCESSES"), os.environ.get("JAX_PROCESS_ID")
    kwargs = {}
    if address is not None:
        if count is None or index is None:
            raise DistributedError(
                f"JAX_COORDINATOR_ADDRESS={address} is set but JAX_NUM_PROCESSES and "
                "JAX_PROCESS_ID are not: set all three (or launch with srun or mpirun)")
        try:
            kwargs = {"num_processes": int(count), "process_id": int(index)}
        except ValueError:
            raise DistributedError(f"JAX_NUM_PROCESSES={count!r}, JAX_PROCESS_ID={index!r}: "
                                   "expected integers") from None
    try:
        heartbeat = int(os.environ.get("THERMO_HEARTBEAT_TIMEOUT", HEARTBEAT_TIMEOUT_S))
    except ValueError:
        raise DistributedError("THERMO_HEARTBEAT_TIMEOUT: expected whole seconds") from None
    try:
        jax.distributed.initialize(coordinator_address=address,
                                   heartbeat_timeout_seconds=heartbeat, **kwargs)
    except (ValueError, RuntimeError) as exc:
        raise DistributedError(
            f"jax.distributed.initialize failed: {exc}. Set JAX_COORDINATOR_ADDRESS (host:port "
            "of process 0), JAX_NUM_PROCESSES and JAX_PROCESS_ID, or launch with srun or mpirun"
        ) from None
    return jax.process_index(), jax.process_count()


def is_primary() -> bool:
    """Whether this process writes the run's files (process 0, or a single process)."""
    import jax

    return jax.process_index() == 0
