"""Moving an instance: the database between engines, the files between backends, backups.

``dbcopy`` copies every table of the models' metadata in dependency order, each
in resumable batches by ``tablecopy``;
``checksum`` computes the per-table fingerprint both sides are compared by;
``storagecopy`` moves stored objects and rewrites the rows that name them;
``backup`` writes, verifies and restores a snapshot; ``cli`` holds the commands.
"""
