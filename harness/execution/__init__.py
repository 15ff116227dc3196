"""Many runs: ``suites`` plan a matrix, ``matrix`` runs it into a store (resuming), an executor runs each spec
(``protocol``; ``local_executor``'s worker processes, ``dask_executor``, ``submitit_executor``; ``executors`` picks one),
and ``worker`` is one run inside its process."""
