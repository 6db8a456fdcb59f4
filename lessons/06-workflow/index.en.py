# ---
# title: "The workflow end to end: data, training, validation, testing, saving and loading"
# summary: Walk through the standard PyTorch workflow on measurements of a spring - prepare data, split it into training, validation and test sets, build a model, write training and validation loops, pick the learning rate on the validation set, test once, save and load a state_dict - and finish with nn.Linear.
# order: 6
# time: 40
# prerequisites: [05-nn-module]
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
# # The workflow end to end: data, training, validation, testing, saving and loading
#
# **What you will learn**
#
# - The standard path of a machine learning project: prepare data → split → build a model → train and validate → test → predict → save and load;
# - How to split data into a training set, a validation set and a test set, what each one is for, and why the test set may be used only once, at the end;
# - How to write a training loop and a validation loop, plot the loss curves, and pick a learning rate by the validation loss;
# - Why predictions are made under `torch.inference_mode()`;
# - How to save and load a `state_dict` with `torch.save` / `torch.load(..., weights_only=True)`; why a file written by `torch.save(model)` no longer opens by default since PyTorch 2.6; and what `weights_only=True` does and does not protect you from;
# - How to write device-agnostic code;
# - How to rebuild the same model with `nn.Linear`.
#
# **Prerequisites**: [nn.Module, losses and optimizers](../05-nn-module/index.en.md).
#
# **Estimated time**: 40 minutes.
#
# The data of this lesson come from a school physics experiment: hang different masses from a spring and measure its length. Hooke's law says that, within the elastic limit, the extension of a spring is proportional to the force on it, so the length is a linear function of the mass:
#
# $$
# L = L_0 + s\,m
# $$
#
# $L_0$ is the length with nothing attached (the rest length), and $s$ is how many centimeters each kilogram stretches the spring. We generate the data ourselves, so we know the right answer: $L_0 = 12$ cm and $s = 3.5$ cm/kg, and every measurement carries an error with a standard deviation of 0.15 cm. The model does not know these numbers and has to learn them from the measurements. The workflow is exactly the one you would use for a large network; each step is just small enough to see at a glance.

# %% [markdown]
# ## 0. Imports and the device
#
# First the imports, then the choice of where to compute: the GPU if there is one, the CPU otherwise. Every model and tensor that follows is put on this device with `.to(device)`, so the same code runs on both kinds of machine. [Lesson 07](../07-devices/index.en.md) covers devices in depth.

# %%
import pickle

import torch
from torch import nn
import matplotlib.pyplot as plt

device = "cuda" if torch.cuda.is_available() else "cpu"
print("torch", torch.__version__, "| device:", device)

# %% [markdown]
# ## 1. Preparing the data
#
# We draw 200 masses between 0 and 2 kg, compute the lengths from Hooke's law, and add the measurement error. Every random number comes from one seeded generator, `gen`, so each run produces exactly the same data. The shape is `[200, 1]`: one measurement per row, one feature (the mass) per measurement.

# %%
STRETCH_TRUE, REST_TRUE = 3.5, 12.0   # cm/kg and cm: the two numbers the model must learn
NOISE = 0.15                          # standard deviation of the measurement error, cm

gen = torch.Generator().manual_seed(6)
mass = 2.0 * torch.rand(200, 1, generator=gen)
length = REST_TRUE + STRETCH_TRUE * mass + NOISE * torch.randn(200, 1, generator=gen)
print(mass.shape, length.shape)
print(torch.cat([mass[:4], length[:4]], dim=1))   # the first 4 measurements: mass (kg), length (cm)

# %% [markdown]
# ### Training, validation and test sets
#
# A model only counts as good if it does well on data it has **never seen**. So the data are split three ways, each with its own job:
#
# - the **training set** is used to compute gradients and update the parameters; it is the only thing the model learns from;
# - the **validation set** is scored during training to make decisions: which learning rate, how many epochs, which model;
# - the **test set** is used **once**, after every decision has been made, to estimate how the model does on new data.
#
# Why not make the decisions on the test set? Because every time you look at a score and change a setting, you tune the model to those data. The more settings you try, the likelier you are to pick one that happens to do well on these few dozen samples, and its score no longer speaks for unseen data: it is optimistic. The validation set takes that job off the test set's hands. It may be looked at again and again, and wears out a little each time; the test set stays locked until the end.
#
# These measurements have no order in time, so we shuffle them and cut them 60% / 20% / 20%. (Data with a time order, such as the house prices of [lesson 04](../04-linear-regression/index.en.md), must be split by time instead: train on the past, test on the future.) The shuffle uses `gen` again, so every run cuts the same three sets.

# %%
order = torch.randperm(len(mass), generator=gen)
train_idx, val_idx, test_idx = order[:120], order[120:160], order[160:]

X_train, y_train = mass[train_idx].to(device), length[train_idx].to(device)
X_val, y_val = mass[val_idx].to(device), length[val_idx].to(device)
X_test, y_test = mass[test_idx].to(device), length[test_idx].to(device)
print(len(X_train), len(X_val), len(X_test), "| on", X_train.device)

# %% [markdown]
# Note that a tensor's `.to()` returns a **new** tensor, which you must assign: a bare `X_train.to(device)` changes nothing.
#
# ### A look at the data
#
# Looking at the data before training is a good habit. The function below plots the three sets and, given a model, its prediction line. matplotlib reads only CPU memory, so the data go through `.cpu()` before plotting: on the CPU it does nothing, on a GPU it copies the data back.

# %%
def show_fit(model=None, title="Spring measurements"):
    plt.figure(figsize=(6, 4))
    for X, y, name, color in [(X_train, y_train, "train", "tab:blue"),
                              (X_val, y_val, "validation", "tab:orange"),
                              (X_test, y_test, "test", "tab:green")]:
        plt.scatter(X.cpu(), y.cpu(), s=10, c=color, label=name)
    if model is not None:
        grid = torch.linspace(0, 2, 50, device=device).unsqueeze(1)
        model.eval()
        with torch.inference_mode():
            plt.plot(grid.cpu(), model(grid).cpu(), c="crimson", label="model")
    plt.xlabel("mass (kg)")
    plt.ylabel("spring length (cm)")
    plt.title(title)
    plt.legend()
    plt.show()


# %%
#| check: 11.5 < length.min() < 12.5 and 18.5 < length.max() < 19.5
#| check: all(X.min() < 0.2 and X.max() > 1.8 for X in (X_train, X_val, X_test))
#| alt: Scatter plot of spring length (about 12 to 19 cm) against mass (0 to 2 kg): blue training points, orange validation points and green test points are mixed together, all close to one rising straight line with a little jitter
show_fit()

# %% [markdown]
# The three colors are interleaved along the same line: a random split gives each set the same range of masses.
#
# ## 2. Building the model
#
# As in lesson 05, we write a model with two `nn.Parameter`s. `stretch` plays the part of the line's weight, `rest` that of its bias. Both start as random numbers.

# %%
class SpringScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.stretch = nn.Parameter(torch.randn(1))   # centimeters of stretch per kilogram
        self.rest = nn.Parameter(torch.randn(1))      # the length with nothing attached

    def forward(self, m):
        return self.rest + self.stretch * m


torch.manual_seed(0)
scale = SpringScale().to(device)
print(scale.state_dict())

# %% [markdown]
# The model is created on the CPU from a fixed seed and then moved to `device`, so its initial parameters are the same on every machine.
#
# ### A prediction before training: `torch.inference_mode()`
#
# Predictions need no gradients, so the forward pass goes inside `torch.inference_mode()`:

# %%
with torch.inference_mode():
    guess = scale(X_val)

print("predicted:", guess[:3].squeeze(1).cpu())
print("measured: ", y_val[:3].squeeze(1).cpu())
print("requires_grad:", guess.requires_grad, "| inference tensor:", guess.is_inference())

# %% [markdown]
# Why switch gradients off? During training, PyTorch records the computation graph as it runs the forward pass and keeps the intermediate results the backward pass will need. For a prediction, that is wasted time and memory.
#
# `torch.no_grad()` also skips the graph; `torch.inference_mode()` goes further and drops the bookkeeping autograd keeps on tensors, such as version counters and view tracking, so it is faster and leaner. The price is that the "inference tensors" it produces can **never** take part in a computation that needs gradients later. For plain predictions that is exactly right; if the predictions will feed into training (rare), use `no_grad()`.
#
# With random parameters the predictions are far from the measured lengths:

# %%
#| check: 0 < scale.stretch.item() < STRETCH_TRUE and (scale.rest + 2 * scale.stretch).item() < REST_TRUE
#| alt: The model before training: a gently rising red line at the bottom of the plot, far below the blue, orange and green measurements that rise along a straight line
show_fit(scale, title="Before training")

# %% [markdown]
# ## 3. Loss function and optimizer
#
# - Loss function: `nn.MSELoss`, the mean squared error. The measurement error has a standard deviation of 0.15 cm, so even with perfect parameters the mean squared error stays near $0.15^2 = 0.0225$; it cannot reach 0.
# - Optimizer: `torch.optim.SGD`, with `lr=0.1` for a start; section 5 lets the validation set choose.

# %%
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(scale.parameters(), lr=0.1)

# %% [markdown]
# ## 4. The training loop and the validation loop
#
# One pass over the whole training set is called an epoch. Our training set has only 120 samples and fits in one computation, so one epoch is one step. Each epoch does two things:
#
# **Training** (`model.train()`): forward pass, loss, `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()`.
#
# **Validation** (`model.eval()` + `torch.inference_mode()`): a forward pass on the validation set and its loss. Validation does **not** clear gradients, backpropagate or update: the model must not learn from the validation set, or its score would not be fair.
#
# Both go into one function that we will use again and again:

# %%
def run_epochs(model, optimizer, epochs):
    history = {"train": [], "val": []}
    for epoch in range(epochs):
        model.train()                                   # training: the training set only
        loss = loss_fn(model(X_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        model.eval()                                    # validation: score only, no update
        with torch.inference_mode():
            val_loss = loss_fn(model(X_val), y_val)

        history["train"].append(loss.item())
        history["val"].append(val_loss.item())
    return history


# %%
#| glue: first_train = history["train"][0]
#| glue: first_val = history["val"][0]
#| check: history["val"][0] < history["train"][0]
history = run_epochs(scale, optimizer, epochs=150)
for epoch in [0, 30, 60, 90, 120, 149]:
    print(f"epoch {epoch:3d} | train MSE {history['train'][epoch]:9.4f} | val MSE {history['val'][epoch]:9.4f}")

# %% [markdown]
# The training loss of epoch 0, {{ first_train:.1f }}, is computed **before** the update and the validation loss, {{ first_val:.1f }}, **after** it, which is why the validation loss starts lower. This model has no Dropout or BatchNorm, so `train()` / `eval()` make no difference to it, but make a habit of them: later models do have such layers, and forgetting to switch gives wrong results.
#
# `.item()` turns a one-element tensor into a Python number. Call it only when you need to record or print: on a GPU it waits for the GPU to finish and copies the value back to the CPU.

# %%
#| check: 100 < history["train"][0] < 300 and 10 < history["val"][0] < 100
#| check: history["train"][10] < 10 and history["val"][10] < 10
#| check: 0.02 < history["train"][-1] < 0.04 and 0.02 < history["val"][-1] < 0.04
#| check: all(0.5 < t / v < 2 for t, v in zip(history["train"][5:], history["val"][5:]))
#| alt: Training and validation loss per epoch on a log scale: the training loss starts near two hundred and the validation loss at a few dozen, both drop below 10 within ten epochs, then decline steadily together to about 0.03 at epoch 150, the two lines staying close throughout
plt.figure(figsize=(6, 4))
plt.plot(history["train"], label="train loss")
plt.plot(history["val"], label="validation loss")
plt.yscale("log")
plt.xlabel("epoch")
plt.ylabel("MSE (log scale)")
plt.title("Training and validation loss, lr = 0.1")
plt.legend()
plt.show()

# %% [markdown]
# The two curves fall together: what the model learns on the training set holds on the validation set too. If the training loss kept falling while the validation loss started to rise, that would be the sign of overfitting: the model would be memorizing the noise of the training samples.
#
# The learned parameters next to the true ones:

# %%
#| glue: stretch_01 = scale.stretch.item()
#| glue: rest_01 = scale.rest.item()
#| check: 0.05 < abs(scale.stretch.item() - STRETCH_TRUE) < 0.5 and 0.05 < abs(scale.rest.item() - REST_TRUE) < 0.5
print(f"stretch: learned {scale.stretch.item():.3f} cm/kg, true {STRETCH_TRUE}")
print(f"rest:    learned {scale.rest.item():.3f} cm,    true {REST_TRUE}")

# %% [markdown]
# Close to 3.5 and 12, but not there yet ({{ stretch_01:.2f }} and {{ rest_01:.2f }}): 150 epochs are not enough to go the whole way. Train longer, or change the learning rate? That is exactly the kind of question the validation set is for.
#
# ## 5. Making decisions on the validation set
#
# From the same initial parameters, train for 150 epochs with each of three learning rates, compare the final validation losses, and keep the lowest:

# %%
#| glue: val_slow = results[0.01][0]
#| glue: val_01 = results[0.1][0]
#| glue: val_03 = results[0.3][0]
#| glue: best_lr
#| check: best_lr == 0.3 and results[0.01][0] > results[0.1][0] > results[0.3][0]
#| check: results[0.3][0] < 1.5 * NOISE ** 2
results = {}
for lr in [0.01, 0.1, 0.3]:
    torch.manual_seed(0)
    candidate = SpringScale().to(device)
    h = run_epochs(candidate, torch.optim.SGD(candidate.parameters(), lr=lr), epochs=150)
    results[lr] = (h["val"][-1], candidate)
    print(f"lr {lr:<5} final validation MSE {h['val'][-1]:.4f}")

best_lr = min(results, key=lambda lr: results[lr][0])
model = results[best_lr][1]
print("chosen learning rate:", best_lr)

# %% [markdown]
# `lr=0.01` is too slow: after 150 epochs the validation loss is still {{ val_slow:.2f }}. `lr=0.1` gets down to {{ val_01:.4f }}, and `lr=0.3` is lowest, {{ val_03:.4f }}, near the floor set by the measurement error (about 0.0225). So we choose `lr={{ best_lr }}`. The learning rate cannot grow without limit, though: above a certain value training diverges, and [lesson 08](../08-optimizers/index.en.md) works out that limit.
#
# The decisions are made. Only now do we open the test set, and only this once:

# %%
#| glue: test_rmse = test_mse ** 0.5
#| glue: stretch_best = model.stretch.item()
#| glue: rest_best = model.rest.item()
#| check: 0.5 * NOISE < test_mse ** 0.5 < 2 * NOISE
model.eval()
with torch.inference_mode():
    test_mse = loss_fn(model(X_test), y_test).item()
print(f"test MSE {test_mse:.4f} -> typical error {test_mse ** 0.5:.3f} cm (measurement noise {NOISE} cm)")
print(f"stretch {model.stretch.item():.3f} (true {STRETCH_TRUE}), rest {model.rest.item():.3f} (true {REST_TRUE})")

# %% [markdown]
# On 40 measurements that took no part in any decision, the typical error is about {{ test_rmse:.2f }} cm, the same size as the 0.15 cm measurement error: the model has learned the law, and what is left is measurement noise. The learned parameters are {{ stretch_best:.2f }} cm/kg and {{ rest_best:.2f }} cm. This test score is the number we report; if we went back and changed the model after seeing it, it would wear out just like the validation score.
#
# ## 6. Predicting with the trained model (inference)
#
# Three rules for inference:
#
# 1. `model.eval()`;
# 2. compute inside `torch.inference_mode()`;
# 3. model and data on the same device.
#
# For example, how long is the spring with 0, 0.5 and 1.5 kg attached?

# %%
new_masses = torch.tensor([[0.0], [0.5], [1.5]], device=device)
model.eval()
with torch.inference_mode():
    predicted = model(new_masses)
print(predicted.squeeze(1).cpu())

# %%
#| check: abs(model.stretch.item() - STRETCH_TRUE) < 0.05 and abs(model.rest.item() - REST_TRUE) < 0.05
#| alt: The model after training: the red line runs through the middle of the blue, orange and green measurements and follows their trend
show_fit(model, title="After training")

# %% [markdown]
# ## 7. Saving and loading a model
#
# A trained model should be saved, so that it can be loaded and used later without training it again. The recommended way is to save **only the `state_dict`**:
#
# - `torch.save(model.state_dict(), path)` writes the name → tensor dictionary to a file;
# - to load, create a new model of the same structure and call `model.load_state_dict(torch.load(path, weights_only=True))`.

# %%
torch.save(model.state_dict(), "spring.pt")

state = torch.load("spring.pt", weights_only=True, map_location=device)
print(type(state).__name__, list(state.keys()))

# %% [markdown]
# `map_location=device` puts the tensors straight onto the current device: a file saved on a GPU opens on a CPU-only machine too.
#
# ### What `weights_only=True` protects you from
#
# `torch.save` writes Python's pickle format. A pickle file holds more than data: it can say "call this function with these arguments", and that function runs **the moment the file is loaded**. Loading a pickle file of unknown origin therefore runs code someone else wrote.
#
# Here is a harmless example: an object that calls `print` when it is loaded. Swap `print` for `os.system` and it could run any command.

# %%
class Trap:
    def __reduce__(self):
        # when pickle loads this object, it calls print(...) and uses the return value as the object
        return (print, ("*** torch.load just ran code from the file ***",))


torch.save({"stretch": torch.ones(1), "note": Trap()}, "untrusted.pt")

# weights_only=False on purpose, to show the danger: do this only with files you wrote and fully trust
opened = torch.load("untrusted.pt", weights_only=False)
print("loaded:", opened)

# %% [markdown]
# The `print` really ran during loading. `weights_only=True` allows only plain data (tensors, numbers, strings, lists, dicts and the like) and refuses function calls:

# %%
#| check: trap_refused
try:
    torch.load("untrusted.pt", weights_only=True)
    trap_refused = False
except pickle.UnpicklingError as error:
    trap_refused = True
    reason = [line for line in str(error).splitlines() if "Unsupported global" in line][0]
    print("refused:", reason.strip().split(". ")[0])

# %% [markdown]
# `weights_only` defaults to `True` only from PyTorch 2.6 on; in 2.4 and 2.5 the default is still `False` (with a `FutureWarning`), and leaving it out runs whatever code the file holds. So write it out: readers see at once that only data is read here, and every version of PyTorch does the same.
#
# It stops the "run code while loading" kind of attack, but it does not make a file trustworthy: the numbers themselves may have been tampered with (a model with a planted backdoor, say), and the code that parses the file can have bugs of its own; a way around `weights_only=True` was found in earlier versions (fixed in 2.6). So even with `weights_only=True`, check where a file comes from before using it, for example against a hash its publisher gives.
#
# ### Why `torch.save(model)` is not recommended
#
# You can also save the whole module object: `torch.save(model, path)`. The file is written, but `torch.load` with `weights_only=True` (the default since 2.6) cannot open it: the file refers to a class, and classes are not on the plain-data allow-list. Not even PyTorch's own `nn.Linear`:

# %%
#| check: refused
torch.save(nn.Linear(1, 1), "whole_module.pt")    # the whole module object, not just its state_dict
try:
    torch.load("whole_module.pt", weights_only=True)   # the default since 2.6; 2.4 and 2.5 default to False
    refused = False
except pickle.UnpicklingError as error:
    refused = True
    reason = [line for line in str(error).splitlines() if "Unsupported global" in line][0]
    print("refused:", reason.strip().split(". ")[0])

whole = torch.load("whole_module.pt", weights_only=False)   # only because we wrote this file ourselves, just now
print("with weights_only=False:", whole)

# %% [markdown]
# Opening it takes `weights_only=False`, which switches the protection above off entirely; that is acceptable only for files you wrote yourself (or you can allow classes you trust one by one with `torch.serialization.add_safe_globals`). There is a second problem: the file records only the **name** of the class and its module, so loading needs the very same class definition to be importable, and a refactoring of your code breaks old files. A `state_dict` is just numbers and does not depend on how your code is organized. So: save the `state_dict`.
#
# ### Loading and checking
#
# Create a **new** model (with fresh random parameters), load the saved `state_dict` into it, and confirm that its predictions match the original's bit for bit:

# %%
#| check: torch.equal(restored_pred, predicted)
torch.manual_seed(1)
restored = SpringScale().to(device)
restored.load_state_dict(torch.load("spring.pt", weights_only=True, map_location=device))

restored.eval()
with torch.inference_mode():
    restored_pred = restored(new_masses)
print(restored.state_dict())
print("identical predictions:", torch.equal(restored_pred, predicted))

# %% [markdown]
# ## 8. The same model with `nn.Linear`
#
# Writing `rest + stretch * m` ourselves showed how it works. In practice you use `nn.Linear(in_features, out_features)`: inside, it is a weight matrix of shape `(out, in)` and `out` biases, it computes $y = x W^\top + b$, and it comes with a sensible initialization.

# %%
class SpringLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(in_features=1, out_features=1)

    def forward(self, m):
        return self.layer(m)


torch.manual_seed(0)
linear_scale = SpringLinear().to(device)
print(linear_scale)
print(linear_scale.state_dict())

# %% [markdown]
# Training uses `run_epochs` again, with the learning rate chosen in section 5:

# %%
#| glue: val_linear = history_linear["val"][-1]
#| check: history_linear["val"][-1] < 1.5 * NOISE ** 2
history_linear = run_epochs(linear_scale, torch.optim.SGD(linear_scale.parameters(), lr=best_lr), epochs=150)
w = linear_scale.layer.weight.item()
b = linear_scale.layer.bias.item()
print(f"validation MSE {history_linear['val'][-1]:.4f}")
print(f"weight {w:.3f} (true {STRETCH_TRUE}), bias {b:.3f} (true {REST_TRUE})")

# %% [markdown]
# The validation loss is {{ val_linear:.4f }}, at the measurement-error floor like the hand-written version. The two models compute the same thing; only their parameters' names and shapes differ, and that is about to cause trouble.

# %% [markdown]
# > **Common mistake**: loading a `state_dict` into a model of a different structure. A `state_dict` matches parameters by **name and shape**: `SpringScale`'s parameters are called `stretch` and `rest`, with shape `(1,)`; `SpringLinear`'s are `layer.weight` (shape `(1, 1)`) and `layer.bias`. When the names differ, `load_state_dict` raises a `RuntimeError` listing the missing keys and the unexpected keys; when the names match but the shapes do not, it reports a `size mismatch`. When you hit it, print both sides' `state_dict().keys()` and shapes and compare them. Don't paper over it with `strict=False`, which skips the parameters that don't match and silently leaves the model with random values.

# %%
#| raises: RuntimeError
linear_scale.load_state_dict(torch.load("spring.pt", weights_only=True, map_location=device))

# %% [markdown]
# ## Summary
#
# - The standard workflow: prepare data → split into training, validation and test sets → build a model → choose a loss and an optimizer → training loop + validation loop → decide on the validation set → evaluate once on the test set → predict → save and load.
# - The training set updates the parameters; the validation set is scored to make decisions and may be looked at again and again; the test set is used once, at the end, and only its score is a fair estimate for new data.
# - One training step: `model.train()`, forward, loss, `zero_grad()`, `backward()`, `step()`. Validation: `model.eval()` + `torch.inference_mode()`, forward only, no update. Plotting training and validation losses together shows whether the model is learning, and whether it overfits.
# - Predict under `torch.inference_mode()`: leaner than `no_grad()`, at the price that the results can never take part in autograd.
# - Save the `state_dict`; load it with `torch.load(path, weights_only=True, map_location=device)`. A file written by `torch.save(model)` no longer opens by default since 2.6 and needs `weights_only` switched off; never do that for someone else's file. `weights_only=True` stops code from running at load time, but does not make a file trustworthy.
# - `device = "cuda" if torch.cuda.is_available() else "cpu"`, then `.to(device)` on the model and the data, and the same code runs on CPU and GPU; call `.cpu()` before plotting or converting to NumPy.
# - `nn.Linear` is the ready-made linear layer; a `state_dict` loads only into a model whose keys and shapes match.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: another spring.** A softer spring: rest length 20 cm, 2 cm of stretch per kilogram, measurement error 0.2 cm, masses between 0 and 3 kg, 150 measurements. Generate and shuffle the data with a generator seeded with 0, split 60/20/20, and train a `SpringLinear` with `nn.MSELoss` and `SGD(lr=0.1)` for 500 epochs. Check that both learned parameters are within 0.1 of the truth, and finally compute the root mean squared error on the test set, once: it should be below 0.3 cm. Keep the whole thing device-agnostic.

# %%
#| solution: true
g = torch.Generator().manual_seed(0)
m2 = 3.0 * torch.rand(150, 1, generator=g)
L2 = 20.0 + 2.0 * m2 + 0.2 * torch.randn(150, 1, generator=g)
perm = torch.randperm(150, generator=g)
tr, va, te = perm[:90], perm[90:120], perm[120:]

soft = SpringLinear().to(device)
opt = torch.optim.SGD(soft.parameters(), lr=0.1)
for epoch in range(500):
    soft.train()
    loss = loss_fn(soft(m2[tr].to(device)), L2[tr].to(device))
    opt.zero_grad()
    loss.backward()
    opt.step()

soft.eval()
with torch.inference_mode():
    val_mse = loss_fn(soft(m2[va].to(device)), L2[va].to(device)).item()
    test_rmse_2 = loss_fn(soft(m2[te].to(device)), L2[te].to(device)).item() ** 0.5
w2, b2 = soft.layer.weight.item(), soft.layer.bias.item()
print(f"weight {w2:.3f}, bias {b2:.3f}, validation MSE {val_mse:.4f}, test RMSE {test_rmse_2:.3f} cm")

assert abs(w2 - 2.0) < 0.1 and abs(b2 - 20.0) < 0.1
assert test_rmse_2 < 0.3

# %% [markdown]
# **Exercise 2: save, load, check.** Save the `state_dict` of the model trained in exercise 1 to `soft_spring.pt` and load it into a new `SpringLinear`. Check that what you loaded is a plain dictionary with the keys `layer.weight` and `layer.bias`, that every tensor equals the original, and that both models predict `m2[te]` identically, bit for bit.

# %%
#| solution: true
torch.save(soft.state_dict(), "soft_spring.pt")
loaded = torch.load("soft_spring.pt", weights_only=True, map_location=device)

soft_copy = SpringLinear().to(device)
soft_copy.load_state_dict(loaded)
soft_copy.eval()
with torch.inference_mode():
    same = torch.equal(soft_copy(m2[te].to(device)), soft(m2[te].to(device)))
print(list(loaded), same)

assert isinstance(loaded, dict) and list(loaded) == ["layer.weight", "layer.bias"]
assert all(torch.equal(loaded[k], v) for k, v in soft.state_dict().items())
assert same

# %% [markdown]
# **Exercise 3: converting a `state_dict`.** In the common mistake above, `SpringLinear`'s `state_dict` could not be loaded into `SpringScale`. Write a function `linear_to_scale(sd)` that turns `layer.weight` (shape `(1, 1)`) and `layer.bias` into the `stretch` and `rest` (both of shape `(1,)`) that `SpringScale` expects. After loading, check that both models make the same predictions on the test set.

# %%
#| solution: true
def linear_to_scale(sd):
    return {
        "stretch": sd["layer.weight"].reshape(1),
        "rest": sd["layer.bias"].reshape(1),
    }


converted = SpringScale().to(device)
converted.load_state_dict(linear_to_scale(linear_scale.state_dict()))
converted.eval()
linear_scale.eval()
with torch.inference_mode():
    diff = (converted(X_test) - linear_scale(X_test)).abs().max().item()
print("max difference:", diff)

assert {k: tuple(v.shape) for k, v in converted.state_dict().items()} == {"stretch": (1,), "rest": (1,)}
assert diff < 1e-5

# %% [markdown]
# **Exercise 4: find the bug.** A colleague's training loop calls `optimizer.step()` first in each epoch, then `loss.backward()`, then `optimizer.zero_grad()`. What happens to the parameters over 100 epochs? Write the buggy version and the correct one, train a new `SpringScale` with each from the same initial parameters, and verify that the buggy version **never updates** the parameters at all, while the correct one brings the training loss below a fifth of its starting value. Hint: where are the gradients when `step()` runs?

# %%
#| solution: true
def buggy_epoch(model, optimizer):
    loss = loss_fn(model(X_train), y_train)
    optimizer.step()          # the gradients were set to None at the end of the previous epoch: SGD skips these parameters
    loss.backward()
    optimizer.zero_grad()     # the fresh gradients are cleared before they are ever used
    return loss.item()


def correct_epoch(model, optimizer):
    loss = loss_fn(model(X_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


outcome = {}
for name, epoch_fn in [("buggy", buggy_epoch), ("correct", correct_epoch)]:
    torch.manual_seed(0)
    m = SpringScale().to(device)
    start = {k: v.clone() for k, v in m.state_dict().items()}
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    losses = [epoch_fn(m, opt) for _ in range(100)]
    unchanged = all(torch.equal(start[k], v) for k, v in m.state_dict().items())
    outcome[name] = (losses[0], losses[-1], unchanged)
    print(f"{name:7s}: first loss {losses[0]:.4f}, last loss {losses[-1]:.4f}, parameters unchanged: {unchanged}")

assert outcome["buggy"][2] and outcome["buggy"][0] == outcome["buggy"][1]
assert not outcome["correct"][2] and outcome["correct"][1] < outcome["correct"][0] / 5
