"""Masked reductions over the time axis shared by the encoders."""

from keras import ops


def _float_mask(mask, dtype):
    return ops.expand_dims(ops.cast(mask, dtype), -1)


def masked_sum(x, mask):
    """Sum of `x` [b, t, d] over valid steps."""
    return ops.sum(x * _float_mask(mask, x.dtype), axis=1)


def masked_mean(x, mask):
    """Mean of `x` [b, t, d] over valid steps; rows with no valid step give 0."""
    count = ops.sum(ops.cast(mask, x.dtype), axis=1, keepdims=True)
    return masked_sum(x, mask) / ops.maximum(count, 1.0)


def masked_sqrtn(x, mask):
    """Sum of `x` [b, t, d] over valid steps / sqrt(their count); 0 when there are none."""
    count = ops.sum(ops.cast(mask, x.dtype), axis=1, keepdims=True)
    return masked_sum(x, mask) / ops.sqrt(ops.maximum(count, 1.0))


def masked_max(x, mask):
    """Max of `x` [b, t, d] over valid steps; rows with no valid step give 0."""
    m = _float_mask(mask, x.dtype)
    lowest = -1e9
    pooled = ops.max(x * m + (1.0 - m) * lowest, axis=1)
    has_any = ops.cast(ops.any(mask, axis=1, keepdims=True), x.dtype)
    return pooled * has_any
