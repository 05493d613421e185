"""Many copies of one small tanh MLP trained at once: every weight has a leading setting axis.

A demo compares settings (rates, schedules, fine-tuning recipes) of the same network. Trained
one after another, each step of each setting is a dozen tiny kernel launches dominated by
Python, autograd and optimizer overhead. Stacked along a first axis, one batched matmul does
the work of all settings, and the hand-written backward pass below fuses each gradient with
its update (``baddbmm_``), about twenty kernels a step for all settings together. Settings stay
independent: batched matmuls never mix slices, so a diverging setting's NaNs cannot leak into
the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from tutor.demo.tasks import LinearInit

Tensor = torch.Tensor


@dataclass(frozen=True)
class Layer:
    """One linear layer for every setting: ``weight`` (S, in, out), ``bias`` (S, 1, out).

    The tensors are updated in place by `sgd_step`; the dataclass only holds them together.
    """

    weight: Tensor
    bias: Tensor


def stack(init: LinearInit, settings: int) -> Layer:
    """``settings`` identical copies of a layer, each free to train its own way."""
    return Layer(
        weight=init.weight.expand(settings, -1, -1).clone(),
        bias=init.bias.expand(settings, 1, -1).clone(),
    )


def repeat(layer: Layer, settings: int) -> Layer:
    """``settings`` copies of a trained one-setting layer, e.g. a pretrained body per recipe."""
    return Layer(
        weight=layer.weight.expand(settings, -1, -1).clone(),
        bias=layer.bias.expand(settings, -1, -1).clone(),
    )


def _broadcast(x: Tensor, settings: int) -> Tensor:
    # A shared input seen by every setting, as a stride-0 view: no copy is made.
    return x if x.dim() == 3 else x.expand(settings, -1, -1)


def forward(layers: Sequence[Layer], x: Tensor) -> list[Tensor]:
    """Runs the MLP (tanh between layers, linear output) for every setting.

    Args:
        layers: The network, first layer first.
        x: Inputs, shared by all settings (batch, features) or per setting (S, batch, features).

    Returns:
        The input (as (S, batch, features)) followed by each layer's output (after tanh,
        except the last), each (S, batch, width): what the backward pass needs.
    """
    hidden = _broadcast(x, layers[0].weight.shape[0])
    activations = [hidden]
    last = len(layers) - 1
    for index, layer in enumerate(layers):
        z = torch.baddbmm(layer.bias, hidden, layer.weight)
        hidden = z if index == last else z.tanh_()
        activations.append(hidden)
    return activations


def mse(layers: Sequence[Layer], x: Tensor, y: Tensor) -> Tensor:
    """Mean squared error of every setting on (x, y), shape (S,)."""
    residual = forward(layers, x)[-1] - y
    return _mean_square(residual)


def _mean_square(residual: Tensor) -> Tensor:
    # rᵀr as a batched matmul: one kernel instead of square, sum and divide.
    total = torch.bmm(residual.transpose(1, 2), residual)
    return total.view(-1).div_(residual.shape[1])


def sgd_step(
    layers: Sequence[Layer], x: Tensor, y: Tensor, rates: Sequence[Tensor], *, loss: bool = True
) -> Tensor | None:
    """One plain SGD step on the mean squared error, for every setting at once.

    Args:
        layers: The network; updated in place.
        x: Inputs shared by all settings, (batch, features).
        y: Targets, (batch, 1).
        rates: Each layer's learning rate per setting, (S, 1, 1); 0 freezes a layer. Layers
            that share a rate should share the tensor: the backward pass then scales once.
        loss: Whether to return the loss; a caller that measures elsewhere saves a kernel.

    Returns:
        Every setting's loss before the step, shape (S,), or None if not asked for.
    """
    activations = forward(layers, x)
    residual = activations[-1] - y
    before = _mean_square(residual) if loss else None
    # d(mean squared error)/d(output). Backward is linear in it, so once scaled by a layer's
    # rate it can flow on, already scaled, through every lower layer sharing that rate.
    grad = residual.mul_(2.0 / residual.shape[1])
    ones = torch.ones_like(grad[:, :, :1]).transpose(1, 2)
    scaled_by: Tensor | None = None
    for index in range(len(layers) - 1, -1, -1):
        layer, below, rate = layers[index], activations[index], rates[index]
        step = grad if scaled_by is rate else grad * rate
        if index > 0:
            shared_below = all(other is rate for other in rates[:index])
            upstream = step if shared_below else grad
            # Through this layer's weights before they move, then through the tanh below.
            grad = torch.ops.aten.tanh_backward(
                torch.bmm(upstream, layer.weight.transpose(1, 2)), below
            )
            scaled_by = rate if shared_below else None
        layer.weight.baddbmm_(below.transpose(1, 2), step, alpha=-1.0)
        layer.bias.baddbmm_(ones, step, alpha=-1.0)
    return before


def gradients(layers: Sequence[Layer], x: Tensor, y: Tensor) -> list[Layer]:
    """The mean squared error's gradient for every setting, as one `Layer` per layer.

    `sgd_step` fuses each gradient with its update; an optimizer with state (Adam) needs the
    gradients themselves.

    Args:
        layers: The network.
        x: Inputs shared by all settings, (batch, features).
        y: Targets, (batch, 1).
    """
    activations = forward(layers, x)
    grad = (activations[-1] - y).mul_(2.0 / y.shape[0])
    ones = torch.ones_like(grad[:, :, :1]).transpose(1, 2)
    grads: list[Layer] = []
    for index in range(len(layers) - 1, -1, -1):
        below = activations[index]
        grads.append(Layer(torch.bmm(below.transpose(1, 2), grad), torch.bmm(ones, grad)))
        if index > 0:
            grad = torch.ops.aten.tanh_backward(
                torch.bmm(grad, layers[index].weight.transpose(1, 2)), below
            )
    return grads[::-1]


class Adam:
    """``torch.optim.Adam`` (no weight decay, no amsgrad) for stacked layers, each setting at
    its own rate.

    The same arithmetic as torch's single-tensor Adam: moments updated in place, bias
    corrections from the step count, ``eps`` added after the corrected square root.
    """

    def __init__(
        self, layers: Sequence[Layer], betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8
    ) -> None:
        self.betas, self.eps, self.steps = betas, eps, 0
        self.first = [torch.zeros_like(t) for layer in layers for t in (layer.weight, layer.bias)]
        self.second = [torch.zeros_like(t) for t in self.first]

    def step(self, layers: Sequence[Layer], grads: Sequence[Layer], rate: Tensor) -> None:
        """Moves ``layers`` in place by one Adam step at ``rate`` (S, 1, 1)."""
        beta1, beta2 = self.betas
        self.steps += 1
        step_size = rate / (1.0 - beta1**self.steps)
        correction = math.sqrt(1.0 - beta2**self.steps)
        params = [t for layer in layers for t in (layer.weight, layer.bias)]
        grad_list = [t for layer in grads for t in (layer.weight, layer.bias)]
        for param, grad, first, second in zip(
            params, grad_list, self.first, self.second, strict=True
        ):
            first.lerp_(grad, 1.0 - beta1)
            second.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
            denominator = (second.sqrt() / correction).add_(self.eps)
            param.sub_(step_size * first / denominator)

    def select(self, rows: Tensor) -> None:
        """Keeps only the given settings' moments (the others diverged and were dropped)."""
        self.first = [t.index_select(0, rows) for t in self.first]
        self.second = [t.index_select(0, rows) for t in self.second]
