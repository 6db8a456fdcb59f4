# ---
# title: Autograd
# summary: Let PyTorch compute gradients for you — requires_grad, the dynamic computation graph, backward, accumulating gradients, no_grad and detach, and one gradient-descent step by hand.
# order: 2
# time: 30
# prerequisites: [01-tensors]
# gpu: false
# datasets: []
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Autograd
#
# **What you will learn**
#
# - how `requires_grad=True` makes PyTorch record operations, and what the computation graph and `grad_fn` are;
# - what "dynamic graph" means: the graph is built while your code runs, so ordinary `if`, `for` and `while` just work;
# - how to call `backward()` on a scalar and read the result from `.grad`;
# - that gradients accumulate, and when and how to reset them;
# - why `backward()` on a non-scalar fails, and how to fix it;
# - how `torch.no_grad()` and `.detach()` keep computations out of autograd, and how to use them for a gradient-descent step written by hand.
#
# **Prerequisites**: [Tensors](../01-tensors/index.en.md). Knowing that a derivative is "the rate of change of a function at a point" is enough maths.
#
# **Estimated time**: 30 minutes

# %% [markdown]
# ## Why automatic differentiation?
#
# Training a neural network boils down to nudging its parameters, over and over, so that the loss goes down. Which way to nudge each parameter, and by how much, comes from the derivative of the loss with respect to that parameter: the gradient. Models routinely have millions of parameters; deriving each derivative by hand is neither practical nor safe.
#
# PyTorch's automatic differentiation, autograd, does it for us. During the forward computation it records every operation; when we ask for gradients, it walks that record backwards from the result and applies the chain rule to get the gradient of every parameter. This backward walk is called backpropagation; the maths behind it is the subject of the next lesson, [Backpropagation](../03-backprop/index.en.md). In this lesson we learn to use it.

# %%
import torch
import matplotlib.pyplot as plt

print(torch.__version__)

# %% [markdown]
# ## requires_grad: asking PyTorch to record
#
# Create a tensor with `requires_grad=True` and PyTorch records every operation that uses it. Let's compute a simple function, $y = x^2 + 2x$:

# %%
x = torch.tensor(3.0, requires_grad=True)
y = x ** 2 + 2 * x
print(x)
print(y)
print(x.requires_grad, y.requires_grad)

# %% [markdown]
# The printout of `y` carries an extra `grad_fn=<AddBackward0>`: it remembers that it came out of an addition. Anything computed from a tensor that requires gradients requires gradients too, so `y.requires_grad` is `True` as well.
#
# Note that `requires_grad` only makes sense for floating-point (and complex) tensors: integers cannot be differentiated, and `torch.tensor(3, requires_grad=True)` raises an error.
#
# ## The computation graph and grad_fn
#
# Every computed tensor keeps, in `grad_fn`, a note of the operation that produced it, and that operation points to its inputs through `next_functions`. Following these links backwards gives the computation graph. A small function prints it:

# %%
def walk(fn, depth=0):
    # print the graph from fn back to the leaves, one indent per level
    print("  " * depth + fn.name().split("::")[-1])
    for child, _ in fn.next_functions:
        if child is not None:
            walk(child, depth + 1)

print(x.is_leaf, x.grad_fn)
print(y.is_leaf)
walk(y.grad_fn)

# %% [markdown]
# Read it top-down, from the result to the inputs: `y` comes from an addition (`AddBackward0`); the addition's two inputs come from a power (`PowBackward0`) and a multiplication (`MulBackward0`); both end in `AccumulateGrad`, the node that stores the gradient in `x.grad`.
#
# A tensor like `x`, which we created directly rather than computed, is called a leaf, and its `grad_fn` is `None`. A model's parameters are all leaves, and their gradients are exactly what we are after. The constant `2` needs no gradient, so it does not appear in the graph.
#
# ## backward(): computing the gradient
#
# Call `backward()` on the result and PyTorch walks the graph backwards, storing $\frac{dy}{dx}$ in `x.grad`. By hand: $\frac{dy}{dx} = 2x + 2$, which is 8 at $x = 3$.

# %%
y.backward()
print(x.grad)
print(2 * 3.0 + 2)   # the result by hand

# %% [markdown]
# They agree. Three things to remember:
#
# 1. Gradients are stored only in the `.grad` of leaves; intermediate results such as `y` do not keep theirs by default.
# 2. After `backward()`, PyTorch frees the intermediate values the graph saved for differentiation, to save memory. To differentiate again, run the forward computation again. (If you really need two backward passes through the same graph, pass `retain_graph=True`, but that is rarely needed.)
# 3. A tensor that does not require gradients, such as input data, always has `.grad` equal to `None`.
#
# Here is an example that looks more like machine learning: a straight-line model with parameters $w$ and $b$, the squared error on one sample, and the gradient of that loss with respect to both parameters.

# %%
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)
x_in = torch.tensor(4.0)        # input data, needs no gradient
target = torch.tensor(10.0)

pred = w * x_in + b             # 2 * 4 - 1 = 7
loss = (pred - target) ** 2     # (7 - 10)^2 = 9
loss.backward()
print(loss.item(), w.grad, b.grad, x_in.grad)

# %% [markdown]
# Check with the chain rule: $\frac{\partial L}{\partial \text{pred}} = 2(\text{pred} - \text{target}) = -6$, so $\frac{\partial L}{\partial w} = -6 \cdot x = -24$ and $\frac{\partial L}{\partial b} = -6$. Both gradients are negative, meaning that increasing $w$ and $b$ lowers the loss. That makes sense: the prediction, 7, is below the target, 10.
#
# ## Dynamic graphs: plain Python control flow
#
# PyTorch does not define the computation graph in advance. It **builds it afresh every time the forward code runs**, which is why it is called a dynamic graph. Whatever operations actually ran are what the graph contains.
#
# The big win is that forward code can use Python's `if`, `for` and `while` freely, even deciding how many steps to take from the values in the data. Some early frameworks (TensorFlow 1.x, for example) made you build a fixed graph first and feed data into it later; conditions and loops had to be written with special framework operators, and debugging was painful.
#
# The function below keeps doubling its input until its absolute value reaches 10, then takes the absolute value. How many times the loop runs, and which branch is taken, both depend on the value of `x`:

# %%
#| glue: n_a = doublings[1.5]
#| glue: d_a = slopes[1.5]
#| glue: n_b = doublings[0.3]
#| glue: d_b = slopes[0.3]
#| glue: n_c = doublings[-0.7]
#| glue: d_c = slopes[-0.7]
def f(x):
    y = x
    steps = 0
    while y.abs() < 10:   # the number of iterations depends on x
        y = y * 2
        steps += 1
    if y > 0:             # so does the branch
        return y, steps
    return -y, steps

doublings, slopes = {}, {}
for value in [1.5, 0.3, -0.7]:
    x = torch.tensor(value, requires_grad=True)
    y, steps = f(x)
    y.backward()
    doublings[value], slopes[value] = steps, x.grad.item()
    print(f"x={value:5.2f}  steps={steps}  y={y.item():6.2f}  dy/dx={x.grad.item():6.1f}")

# %% [markdown]
# On each call PyTorch records only the multiplications that actually ran, so the gradient is always right: after $n$ doublings, $y = \pm 2^n x$ and the derivative is $\pm 2^n$. $x = 1.5$ is doubled {{ n_a }} times, derivative {{ d_a:g }}; $x = 0.3$ is doubled {{ n_b }} times, derivative {{ d_b:g }}; $x = -0.7$ is doubled {{ n_c }} times and then negated, derivative {{ d_c:g }}.
#
# ## Gradients accumulate
#
# > **Common mistake**: forgetting to reset gradients. `backward()` does not overwrite `.grad`; it **adds** the new gradient to whatever is already there. Below we differentiate $y = x^2$ at $x = 3$ three times in a row. The right answer is 6 every time, yet `x.grad` keeps growing.

# %%
x = torch.tensor(3.0, requires_grad=True)
for i in range(3):
    y = x ** 2      # run the forward computation again, building a new graph
    y.backward()
    print(f"after backward #{i + 1}: x.grad = {x.grad.item()}")

# %% [markdown]
# Why accumulate? First, a common misunderstanding: a parameter used several times in a model does **not** rely on `.grad` accumulating. Within one `backward()`, autograd adds up the gradients of all paths while it walks back through the graph, and writes `.grad` once at the end. Below, `w` reaches `y` along two paths, and the derivative is $3 + 2w$:

# %%
#| glue: grad_two_paths = w.grad.item()
w = torch.tensor(2.0, requires_grad=True)
y = w * 3 + w ** 2      # w takes two paths: a multiplication and a power
y.backward()            # called once
print(w.grad)           # 3 + 2 * 2

# %% [markdown]
# One call to `backward()`, and `w.grad` already holds the sum of both paths, {{ grad_two_paths:g }}.
#
# Accumulation earns its keep across **separate** calls to `backward()`. When a batch is too large for memory, you can cut it into micro-batches, run the forward and backward pass on each in turn, let the gradients add up in `.grad`, and update the parameters once at the end. This is called gradient accumulation. As long as each micro-batch loss is divided by the number of micro-batches, the accumulated gradient is exactly the one the whole batch would give:

# %%
#| glue: full_batch_grad = full.item()
x_big = torch.tensor([1.0, 2.0, 3.0, 4.0])
y_big = torch.tensor([2.0, 4.5, 5.5, 8.0])
w = torch.tensor(1.0, requires_grad=True)

((w * x_big - y_big) ** 2).mean().backward()          # the whole batch in one backward pass
full = w.grad.clone()

w.grad = None
for xs, ys in [(x_big[:2], y_big[:2]), (x_big[2:], y_big[2:])]:   # two micro-batches
    micro_loss = ((w * xs - ys) ** 2).mean() / 2       # divided by the number of micro-batches
    micro_loss.backward()                              # adds to w.grad
print("whole batch:", full.item(), " two micro-batches:", w.grad.item())
print("same gradient:", torch.allclose(full, w.grad))

# %% [markdown]
# Both ways give the gradient {{ full_batch_grad:.2f }}. With an optimizer (lessons 05 and 08), gradient accumulation means "call `backward()` on every micro-batch, and `step()` and `zero_grad()` only once enough of them have added up".
#
# The price is that an ordinary training loop must clear the previous step's gradients at every step. There are two ways: `x.grad = None` (throw it away; the next `backward()` creates a fresh one) or `x.grad.zero_()` (fill it with zeros in place). Once we use optimizers, `optimizer.zero_grad()` does this for every parameter, and by default it sets them to `None`.

# %%
#| glue: grad_each = x.grad.item()
for i in range(3):
    x.grad = None   # clear the previous gradient first
    y = x ** 2
    y.backward()
    print(f"after backward #{i + 1}: x.grad = {x.grad.item()}")

# %% [markdown]
# This time it is {{ grad_each:g }} at every step.
#
# ## backward() on a non-scalar
#
# So far we have always called `backward()` on a **scalar** (a 0-d tensor). A loss function produces a single number anyway, so in training this is the normal case.
#
# > **Common mistake**: calling `backward()` directly on a vector. With a three-element `x`, `y = x ** 2` has three elements too. "The derivative of $y$ with respect to $x$" is then a 3×3 Jacobian matrix, not a gradient vector. PyTorch will not guess what you want, and raises `RuntimeError: grad can be implicitly created only for scalar outputs`.

# %%
#| raises: RuntimeError
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2          # y is a vector, not a scalar
y.backward()

# %% [markdown]
# There are two fixes. The usual one is to reduce the output to a scalar first, with a sum or a mean, and backpropagate from that. The other is to pass `backward()` a `gradient` argument $v$ with the same shape as `y`. PyTorch then computes the gradient of the weighted sum $\sum_i v_i y_i$, known as a vector-Jacobian product:
#
# $$\text{x.grad}_j = \sum_i v_i \frac{\partial y_i}{\partial x_j}$$
#
# `y.sum().backward()` is just the special case where every $v_i$ is 1.

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
y.sum().backward()
print(x.grad)       # the derivative of each element, 2 * x_i

x.grad = None
y = x ** 2          # the previous graph has been used up, so run forward again
y.backward(gradient=torch.tensor([1.0, 0.1, 0.01]))
print(x.grad)       # 2 * x_i, each times its weight v_i

# %% [markdown]
# ## Checking with a picture: the derivative of sin(x)
#
# The same trick gives a function's derivative at many points at once. Since $y_i = \sin(x_i)$ depends only on $x_i$, the partial derivative of $\sum_i y_i$ with respect to $x_i$ is just the derivative of $\sin$ at $x_i$. Let's take 200 points on $[-2\pi, 2\pi]$:

# %%
x = torch.linspace(-2 * torch.pi, 2 * torch.pi, 200, requires_grad=True)
y = torch.sin(x)
y.sum().backward()
print(x.grad.shape)

# %% [markdown]
# Next we want to hand `y` to matplotlib, which means turning it into a NumPy array first.
#
# > **Common mistake**: calling `.numpy()` on a tensor that requires gradients. The array returned by `.numpy()` shares memory with the tensor, and autograd cannot see changes made on the NumPy side, so gradients could silently go wrong. PyTorch therefore refuses outright with a `RuntimeError`. Call `.detach()` first to get a tensor cut off from the graph, then `.numpy()`.

# %%
#| raises: RuntimeError
y.numpy()

# %%
#| alt: A line plot: a solid blue curve for sin(x), a thick translucent orange curve for cos(x) computed by hand, and a dashed green curve for the derivative from autograd, lying exactly on top of the orange one
xs = x.detach().numpy()
plt.figure(figsize=(6, 4))
plt.plot(xs, y.detach().numpy(), label="f(x) = sin(x)")
plt.plot(xs, torch.cos(x.detach()).numpy(), linewidth=5, alpha=0.4, label="cos(x), by hand")
plt.plot(xs, x.grad.numpy(), "--", label="f'(x) from autograd")
plt.xlabel("x")
plt.title("sin(x) and its derivative")
plt.grid(alpha=0.3)
plt.ylim(-1.6, 1.2)
plt.legend(loc="lower center", ncol=3, fontsize="small")
plt.show()

print(torch.allclose(x.grad, torch.cos(x.detach())))

# %% [markdown]
# The derivative from autograd (dashed) lies exactly on the familiar $\cos x$ (thick line), and `allclose` confirms it. `x.grad` itself does not require gradients, so `.numpy()` works on it directly.
#
# ## torch.no_grad() and .detach(): not recording
#
# Recording the graph costs time, and memory for the intermediate values backpropagation will need. Two kinds of computation have no use for it:
#
# 1. **Evaluation and inference**: when a trained model makes predictions, nothing is backpropagated, so recording is pure waste.
# 2. **Updating parameters**: the step `w = w - lr * grad` is not part of the model and should not end up in the graph.
#
# Operations inside `with torch.no_grad():` are not recorded, and their results do not require gradients:

# %%
w = torch.tensor(2.0, requires_grad=True)
with torch.no_grad():
    z = w * 3
print(z, z.requires_grad, z.grad_fn)

z = w * 3           # outside the with block, recording resumes
print(z.requires_grad)

# %% [markdown]
# For pure inference there is also `torch.inference_mode()`, stricter and a little faster; later lessons use it to evaluate models.
#
# `.detach()` works on a single tensor: it returns a new tensor that shares the data of the original but is cut off from the graph. It has three common uses: converting to NumPy (as above), logging or printing values, and stopping the gradient at some point so that a quantity is treated as a constant. For example:

# %%
x = torch.tensor(3.0, requires_grad=True)
y = x * x.detach()  # the second factor is treated as the constant 3
y.backward()
print(x.grad)       # 3, not 6, the derivative of x * x

# %% [markdown]
# The derivative of `x * x` would be $2x = 6$, but `detach()` turned the second `x` into the constant 3, leaving just $3$.
#
# ## Old style: Variable and .data
#
# Before PyTorch 0.4, released in 2018, tensors could not be differentiated on their own. You had to wrap them in `torch.autograd.Variable` and reach the tensor inside through `.data`, which is why many older tutorials are full of `Variable(...)`. Since 0.4, `Variable` and tensors have been merged: a tensor carries `requires_grad` itself. The name `Variable` survives for backward compatibility, but calling it just returns an ordinary tensor. Don't use it in new code; write `torch.tensor(..., requires_grad=True)`.
#
# Old code also updates parameters with `w.data -= lr * w.grad`. `.data` bypasses autograd's safety checks: if the value you change is one that backpropagation still needs, PyTorch raises no error and quietly computes a wrong gradient. Today, do such updates inside `with torch.no_grad():`.
#
# ## One gradient-descent step by hand
#
# Now let's put everything together. The data come from $y = 2.5x$; we pretend not to know the 2.5, start from $w = 0$, and use the mean squared error (MSE) as the loss:
#
# $$L(w) = \frac{1}{n}\sum_{i=1}^{n} (w x_i - y_i)^2$$
#
# Gradient descent updates $w \leftarrow w - \eta \frac{dL}{dw}$, where $\eta$ is the learning rate. First, one step, slowly:

# %%
#| glue: w_one_step = w.item()
x_data = torch.tensor([1.0, 2.0, 3.0, 4.0])
y_data = 2.5 * x_data          # the true w is 2.5
w = torch.tensor(0.0, requires_grad=True)
lr = 0.02

loss = ((w * x_data - y_data) ** 2).mean()
loss.backward()
print(f"loss = {loss.item():.4f}, dL/dw = {w.grad.item():.4f}")

with torch.no_grad():
    w -= lr * w.grad           # a small step against the gradient
w.grad = None                  # reset, ready for the next step
print(f"w after one step = {w.item():.4f}")

# %% [markdown]
# The gradient is negative, so $w$ went up, from 0 to {{ w_one_step:g }}, towards 2.5.
#
# The update must happen inside `torch.no_grad()`.
#
# > **Common mistake**: updating a parameter in place outside `no_grad`. `w` is a leaf that requires gradients, and PyTorch does not allow it to be modified in place while the graph is being recorded: `RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.` (The "Variable" in the message is the historical name mentioned above.) The other way to get it wrong is `w = w - lr * w.grad`, without the in-place update: no error, but the new `w` is a computed result rather than a leaf, and after the next `backward()` its `.grad` is `None`.

# %%
#| raises: RuntimeError
loss = ((w * x_data - y_data) ** 2).mean()
loss.backward()
w -= lr * w.grad               # no no_grad: error

# %% [markdown]
# Put that step in a loop and you have a complete training run: compute the loss (forward), compute the gradient (backward), update the parameter inside `no_grad`, reset the gradient. We start again from $w = 0$ and take 30 steps:

# %%
#| glue: final_w = w.item()
#| glue: final_loss = losses[-1]
w = torch.tensor(0.0, requires_grad=True)
losses = []
for step in range(30):
    loss = ((w * x_data - y_data) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    w.grad = None
    losses.append(loss.item())
    if step % 5 == 0:
        print(f"step {step:2d}  loss {loss.item():.3e}  w {w.item():.5f}")
print(f"final w = {w.item():.5f}")

# %%
#| alt: Loss against step on a logarithmic vertical axis: a straight line falling from about 47 to about 1e-7
plt.figure(figsize=(6, 4))
plt.semilogy(losses, marker="o", markersize=3)
plt.xlabel("step")
plt.ylabel("loss (log scale)")
plt.title("Gradient descent on w")
plt.grid(alpha=0.3)
plt.show()

# %% [markdown]
# $w$ quickly closes in on 2.5: after 30 steps it is {{ final_w:.5f }}, and the last step's loss is only {{ final_loss:.1e }}. On a log scale the loss falls along an almost straight line: every step shrinks the error by the same factor. The [Optimizers](../08-optimizers/index.en.md) lesson replaces these hand-written update lines with `torch.optim`, which does exactly the same thing.
#
# ## Summary
#
# - `requires_grad=True` makes PyTorch record the operations a tensor takes part in; computed tensors remember where they came from in `grad_fn`, and together these links form the computation graph.
# - The graph is built on the fly at every forward pass (a dynamic graph), so Python's `if`, `for` and `while` can be used directly.
# - `backward()` on a scalar stores gradients in the `.grad` of leaf tensors; the graph is then freed, so run forward again to differentiate again.
# - Gradients accumulate: in a training loop, reset them at every step with `grad = None` (or `zero_()`, or `optimizer.zero_grad()`).
# - For a non-scalar output, reduce it to a scalar with `sum()`/`mean()` first, or pass `backward()` a `gradient` argument.
# - Use `torch.no_grad()` for evaluation and parameter updates; `.detach()` takes a single tensor out of the graph, and is required before `.numpy()`.
# - `Variable` and `.data` updates are old style; don't use them.
#
# ## Exercises
#
# **Exercise 1: a derivative.** Use autograd to find the derivative of $f(x) = x^3 - 2x$ at $x = 2$, and compare it with $f'(x) = 3x^2 - 2$ worked out by hand.

# %%
#| solution: true
x = torch.tensor(2.0, requires_grad=True)
f = x ** 3 - 2 * x
f.backward()
print(x.grad)

assert torch.allclose(x.grad, torch.tensor(3 * 2.0 ** 2 - 2))   # 10
assert x.grad.item() == 10.0

# %% [markdown]
# **Exercise 2: partial derivatives.** For $f(a, b) = ab + b^2$, find $\frac{\partial f}{\partial a}$ and $\frac{\partial f}{\partial b}$ at $a = 2, b = 3$ with a single call to `backward()`.

# %%
#| solution: true
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
f = a * b + b ** 2
f.backward()
print(a.grad, b.grad)

assert torch.allclose(a.grad, b.detach())                  # ∂f/∂a = b = 3
assert torch.allclose(b.grad, a.detach() + 2 * b.detach())  # ∂f/∂b = a + 2b = 8

# %% [markdown]
# **Exercise 3: find the bug.** With a fixed parameter `w = torch.tensor(1.0, requires_grad=True)`, a student computes `loss = (w * x - 1) ** 2` for the inputs `x = 1, 2, 3` in turn and, after each backward pass, appends `w.grad.item()` to a list. The correct gradients are $2(wx - 1)x$, that is 0, 4 and 12, but the student's code produces `[0.0, 4.0, 16.0]`. What did they leave out? Write the correct loop.

# %%
#| solution: true
# Why: each backward() adds its gradient to w.grad, and nothing reset it in between.
w = torch.tensor(1.0, requires_grad=True)
grads = []
for x in [1.0, 2.0, 3.0]:
    w.grad = None                  # this is the missing line
    loss = (w * x - 1) ** 2
    loss.backward()
    grads.append(w.grad.item())
print(grads)

assert grads == [0.0, 4.0, 12.0]
# without the reset we get exactly the student's result
w.grad = None
wrong = []
for x in [1.0, 2.0, 3.0]:
    ((w * x - 1) ** 2).backward()
    wrong.append(w.grad.item())
assert wrong == [0.0, 4.0, 16.0]

# %% [markdown]
# **Exercise 4: the derivative of tanh.** On `torch.linspace(-3, 3, 101)`, use autograd to get the derivative of $\tanh x$ at every point in one go, and check that it equals $1 - \tanh^2 x$.

# %%
#| solution: true
x = torch.linspace(-3, 3, 101, requires_grad=True)
torch.tanh(x).sum().backward()     # each output depends only on its own input, so the sum gives pointwise derivatives
expected = 1 - torch.tanh(x.detach()) ** 2
print(x.grad[:5])

assert x.grad.shape == (101,)
assert torch.allclose(x.grad, expected, atol=1e-6)
assert torch.isclose(x.grad[50], torch.tensor(1.0))   # the derivative is 1 at x = 0

# %% [markdown]
# **Exercise 5: gradient descent of your own.** $g(w) = (w - 5)^2 + 1$ has its minimum, 1, at $w = 5$. Starting from $w = 0$ with a learning rate of 0.1, take 100 steps, getting the gradient from autograd and updating inside `torch.no_grad()`, then check that $w$ is very close to 5.

# %%
#| solution: true
w = torch.tensor(0.0, requires_grad=True)
for step in range(100):
    g = (w - 5) ** 2 + 1
    g.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad = None
print(f"w = {w.item():.6f}")

assert w.is_leaf and w.requires_grad   # w is still a trainable leaf
assert abs(w.item() - 5) < 1e-4
assert abs(((w - 5) ** 2 + 1).item() - 1) < 1e-6
