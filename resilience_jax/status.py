"""Status flags carried out of jitted code, instead of NaN.

Every stage of the core returns an integer ``status`` (a bit mask, 0 = computed) beside its numbers.
The host reads it once, recovers what can be recovered (a replicate whose bound candidate was not
tabulated is re-evaluated) and otherwise raises an error that names the flag and the replicate.

Example
-------
>>> from resilience_jax import status
>>> status.names(status.CONSTANT_INDICATOR | status.SINGULAR)
['constant indicator', 'singular design']
"""

from __future__ import annotations

import numpy as np

OK = 0
CONSTANT_INDICATOR = 1  # an indicator has max == min over the rows used: its normalisation is undefined
NOT_TABULATED = 2  # the tables path has no log-sum table for the replicate's minimiser (recoverable)
SINGULAR = 4  # a regressor is (numerically) collinear with the others or absorbed by the fixed effects
NOT_CONVERGED = 8  # the two-way demeaning did not converge within its iteration limit
NON_FINITE = 16  # a statistic is not finite although no other flag is set (e.g. a total effect of exactly 0)

FLAGS = {
    CONSTANT_INDICATOR: "constant indicator",
    NOT_TABULATED: "bound candidate not tabulated",
    SINGULAR: "singular design",
    NOT_CONVERGED: "demeaning not converged",
    NON_FINITE: "non-finite statistic",
}

HINTS = {
    CONSTANT_INDICATOR: "an indicator takes one value on every row of the replicate; drop it from the index spec "
                        "or use more entities",
    NOT_TABULATED: "internal: re-evaluate with re-ranked tables",
    SINGULAR: "a regressor is constant or collinear in the drawn entities; drop it or use the gathered-rows path "
              "to see which",
    NOT_CONVERGED: "raise max_iter or check the fixed effects for singletons",
    NON_FINITE: "a ratio such as the share a*b/c divides by a total effect of exactly zero",
}


def names(code: int) -> list[str]:
    """The names of the flags set in ``code`` (empty for 0).

    Parameters
    ----------
    code : int
        A status bit mask (a combination of the flags of :data:`FLAGS`).

    Returns
    -------
    list of str
        The names of the flags set, in the order of :data:`FLAGS`.

    Example
    -------
    >>> names(SINGULAR | NON_FINITE)
    ['singular design', 'non-finite statistic']
    >>> names(OK)
    []
    """
    return [name for bit, name in FLAGS.items() if int(code) & bit]


def describe(codes: np.ndarray, what: str = "replicate") -> str:
    """One line naming, for each flag set anywhere in ``codes`` (one per replicate), how many
    replicates carry it, the first of them, and what to do.

    Parameters
    ----------
    codes : numpy.ndarray
        Status bit masks, one per replicate (flattened).
    what : str, optional
        What one code belongs to, for the message.

    Returns
    -------
    str
        The description, flags separated by ``"; "``; empty when no flag is set.

    Example
    -------
    >>> import numpy as np
    >>> print(describe(np.array([0, SINGULAR, SINGULAR])))
    singular design in 2 of 3 replicates (first: replicate 1; a regressor is constant or collinear
    in the drawn entities; drop it or use the gathered-rows path to see which)
    >>> describe(np.zeros(3, dtype=int))
    ''
    """
    codes = np.asarray(codes, dtype=np.int64).reshape(-1)
    parts = []
    for bit, name in FLAGS.items():
        hit = np.flatnonzero(codes & bit)
        if len(hit):
            parts.append(f"{name} in {len(hit)} of {len(codes)} {what}s (first: {what} {int(hit[0])}; {HINTS[bit]})")
    return "; ".join(parts)
