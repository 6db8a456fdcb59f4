# ---
# title: "The workflow end to end: data, training, evaluation, saving and loading"
# summary: Walk through the standard PyTorch workflow on a straight line you already know the answer to - prepare data, split train and test, build a model, write training and test loops, predict, save and load a state_dict - and finish with nn.Linear.
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
# # The workflow end to end: data, training, evaluation, saving and loading
#
# **What you will learn**
#
# - The standard path of a machine learning project: prepare data → build a model → train → evaluate → save and load;
# - How to split data 80/20 into a training set and a test set, and plot predictions to check them;
# - How to write a training loop and a test loop, and plot the loss curves;
# - Why predictions are made under `torch.inference_mode()`;
# - How to save and load a `state_dict` with `torch.save` / `torch.load(..., weights_only=True)`, and why you should never load someone else's pickle file blindly;
# - How to write device-agnostic code;
# - How to rebuild the same model with `nn.Linear`.
#
# **Prerequisites**: [nn.Module, losses and optimizers](../05-nn-module/index.en.md).
#
# **Estimated time**: 40 minutes.
#
# The task is deliberately simple: the data come from a straight line we **know in advance**, $y = 0.6x + 0.25$. The model does not know these two numbers and has to learn them from the data. Because we know the answer, we can check at any moment whether the model is getting it right. The workflow itself is exactly the one you would use for a large network; each step is just small enough to see at a glance.

# %% [markdown]
# ## 0. Imports and the device
#
# First the imports and the choice of where to compute. The line below is one of the most common lines in PyTorch code: use the GPU if there is one, the CPU otherwise. Every model and tensor that follows is placed on this device with `.to(device)`, so the same code runs on both kinds of machine. [Lesson 07](../07-devices/index.en.md) covers devices in depth.

# %%
import torch
from torch import nn
import matplotlib.pyplot as plt

device = "cuda" if torch.cuda.is_available() else "cpu"
print("torch", torch.__version__, "| device:", device)

# %% [markdown]
# ## 1. Preparing the data
#
# We generate 50 points from a known weight and bias. `unsqueeze(1)` makes the shape `[50, 1]`: one sample per row, one feature per sample.

# %%
weight_true, bias_true = 0.6, 0.25

X = torch.arange(0, 1, 0.02).unsqueeze(1)
y = weight_true * X + bias_true
print(X.shape, y.shape)
print(X[:3].squeeze(), y[:3].squeeze())

# %% [markdown]
# ### Splitting into training and test sets
#
# The model learns from the training set and is evaluated on a test set it has **never seen**. Think of a student who practises on exercises and is then examined: if the exam reused the exercises, a high mark would prove nothing.
#
# We split 80/20: the first 40 points for training, the last 10 for testing. Our data are sorted by `x`, so the test set is a stretch **beyond** the training range, and the model has to extend the line it learned. Real projects usually shuffle before splitting; when the data have a time order (say, predicting next year's house prices), you should do what we do here: train on the past, test on the future.

# %%
split = int(0.8 * len(X))
X_train, y_train = X[:split], y[:split]
X_test, y_test = X[split:], y[split:]
print(len(X_train), len(y_train), len(X_test), len(y_test))

# %% [markdown]
# Put all four tensors on `device`. Note that a tensor's `.to()` returns a **new** tensor, which you must assign: a bare `X_train.to(device)` changes nothing.

# %%
X_train, y_train = X_train.to(device), y_train.to(device)
X_test, y_test = X_test.to(device), y_test.to(device)
print(X_train.device, X_test.device)

# %% [markdown]
# ### A plotting helper
#
# "Visualise, visualise, visualise" is a good habit in machine learning. The function below plots the training data (blue), the test data (green) and, optionally, the model's predictions (red). matplotlib can only read data in CPU memory, hence the `.cpu()` calls: on the CPU they do nothing, on a GPU they copy the data back.

# %%
def plot_predictions(predictions=None, title="Data"):
    plt.figure(figsize=(6, 4))
    plt.scatter(X_train.cpu(), y_train.cpu(), s=12, c="tab:blue", label="train data")
    plt.scatter(X_test.cpu(), y_test.cpu(), s=12, c="tab:green", label="test data")
    if predictions is not None:
        plt.scatter(X_test.cpu(), predictions.cpu(), s=12, c="tab:red", label="predictions")
    plt.xlabel("x")
    plt.ylabel("y")
    plt.title(title)
    plt.legend()
    plt.show()


# %%
#| alt: Scatter plot: 40 blue training points on the left and 10 green test points on the right, all on the same rising straight line
plot_predictions()

# %% [markdown]
# ## 2. Building the model
#
# As in lesson 05, a linear regression model made of two `nn.Parameter`s. Both start as random numbers; training should push them towards 0.6 and 0.25.

# %%
class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return self.weight * x + self.bias


torch.manual_seed(42)
model_0 = LinearRegressionModel().to(device)
print(model_0.state_dict())

# %% [markdown]
# We create the model on the CPU with a fixed random seed and only then move it to `device`. That way the starting parameters are the same on every machine.

# %% [markdown]
# ### One prediction before training: `torch.inference_mode()`
#
# Predictions need no gradients, so the forward pass goes inside `torch.inference_mode()`:

# %%
with torch.inference_mode():
    y_preds = model_0(X_test)

print(y_preds.squeeze())
print("requires_grad:", y_preds.requires_grad, "| inference tensor:", y_preds.is_inference())

# %% [markdown]
# Why turn gradients off? During training, PyTorch records the computation graph in the forward pass and keeps the intermediate results that backpropagation will need. For predictions that is wasted memory and time.
#
# `torch.no_grad()` also stops graph recording, so why prefer `torch.inference_mode()`? It goes further: besides not building a graph, it skips autograd's bookkeeping, the version counters and view tracking on tensors, which makes it faster and leaner. The price is that the "inference tensors" it produces can **never** take part in a computation that needs gradients later. For pure prediction that is exactly right; in the rare case where you feed the results back into training, use `no_grad()`.
#
# Here is how bad the random parameters are:

# %%
#| alt: Predictions before training: the red predicted points sit far below the green test data; the randomly initialised model has learned nothing yet
plot_predictions(y_preds, title="Before training")

# %% [markdown]
# ## 3. Loss function and optimizer
#
# - Loss: `nn.L1Loss`, the mean absolute error $\frac{1}{N}\sum |\hat y_i - y_i|$.
# - Optimizer: `torch.optim.SGD` with `lr=0.01`, so every step updates all parameters by $\theta \leftarrow \theta - 0.01 \cdot \nabla_\theta L$.

# %%
loss_fn = nn.L1Loss()
optimizer = torch.optim.SGD(model_0.parameters(), lr=0.01)

# %% [markdown]
# ## 4. The training loop and the test loop
#
# One epoch is one pass over the whole training set. With only 40 points, an epoch is a single step. Each epoch does two things.
#
# **Train** (`model.train()`):
#
# 1. forward pass: `y_pred = model(X_train)`;
# 2. loss: `loss = loss_fn(y_pred, y_train)`;
# 3. clear old gradients: `optimizer.zero_grad()`;
# 4. backpropagate: `loss.backward()`;
# 5. update the parameters: `optimizer.step()`.
#
# **Test** (`model.eval()` + `torch.inference_mode()`): a forward pass on the test set and the test loss. Steps 3–5 are **not** done here: the model must not learn from the test set, or the test would no longer be fair.
#
# Every 10 epochs we record both losses to plot the loss curves.

# %%
epochs = 200
history = {"epoch": [], "train": [], "test": []}

for epoch in range(epochs):
    # --- train ---
    model_0.train()
    y_pred = model_0(X_train)
    loss = loss_fn(y_pred, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    # --- test ---
    model_0.eval()
    with torch.inference_mode():
        test_loss = loss_fn(model_0(X_test), y_test)

    if epoch % 10 == 0 or epoch == epochs - 1:
        history["epoch"].append(epoch)
        history["train"].append(loss.item())
        history["test"].append(test_loss.item())
        if epoch % 40 == 0 or epoch == epochs - 1:
            print(f"epoch {epoch:3d} | train L1 {loss.item():.4f} | test L1 {test_loss.item():.4f}")

# %% [markdown]
# This model has no Dropout or BatchNorm, so `train()` / `eval()` make no difference to it. The habit matters, though: later models will contain such layers, and forgetting to switch gives wrong results.
#
# `.item()` turns a one-element tensor into a Python number. Call it only when you need to record or print: on a GPU it waits for the GPU to finish and copies the value back to the CPU.

# %%
#| alt: Training and test L1 loss against epochs: they fall fastest in the first 20 epochs, and after about 120 epochs both curves lie close to 0
plt.figure(figsize=(6, 4))
plt.plot(history["epoch"], history["train"], label="train loss")
plt.plot(history["epoch"], history["test"], label="test loss")
plt.xlabel("epoch")
plt.ylabel("L1 loss")
plt.title("Training and test loss")
plt.legend()
plt.show()

# %% [markdown]
# The two curves fall together, so what the model learns also holds on data it has not seen. If the training loss kept falling while the test loss started to rise, that would be a sign of overfitting.
#
# The learned parameters against the true ones:

# %%
learned = model_0.state_dict()
print(f"weight: learned {learned['weight'].item():.4f} vs true {weight_true}")
print(f"bias:   learned {learned['bias'].item():.4f} vs true {bias_true}")

# %% [markdown]
# Close, but not exact. The gradient of the L1 loss has a fixed size (it only depends on the sign of each error) and the learning rate is constant, so near the optimum the parameters keep hopping back and forth by roughly `lr` instead of coming to rest. A smaller learning rate, or one that shrinks during training (a learning-rate schedule, [lesson 08](../08-optimizers/index.en.md)), gets closer.

# %% [markdown]
# ## 5. Making predictions with the trained model (inference)
#
# Three rules for inference:
#
# 1. `model.eval()`;
# 2. compute inside `torch.inference_mode()`;
# 3. keep the model and the data on the same device.

# %%
model_0.eval()
with torch.inference_mode():
    y_preds = model_0(X_test)

print(y_preds.squeeze().cpu())

# %%
#| alt: Predictions after training: the red points almost coincide with the green test data
plot_predictions(y_preds, title="After training")

# %% [markdown]
# ## 6. Saving and loading a model
#
# A trained model should be saved so that it can be loaded and used later without retraining. The recommended way is to **save only the `state_dict`** (the dictionary from parameter names to tensors), not the model object:
#
# - `torch.save(model.state_dict(), path)` writes the dictionary to a file;
# - to load, create a new model of the same structure and call `model.load_state_dict(torch.load(path, weights_only=True))`.
#
# Saving the whole object (`torch.save(model, path)`) works too, but the file only records the class's name, and loading needs that exact class definition to be importable: refactor the code and old files stop opening. A `state_dict` is just numbers and does not care how the code is organised.

# %%
torch.save(model_0.state_dict(), "model_0.pt")

state = torch.load("model_0.pt", weights_only=True, map_location=device)
print(type(state).__name__, list(state.keys()))

# %% [markdown]
# `map_location=device` loads the tensors straight onto the current device, so a file saved on a GPU opens on a CPU-only machine as well.
#
# ### Why write `weights_only=True`
#
# `torch.save` uses Python's pickle format, and a pickle is not just data: it can say "call this function with these arguments", and that call happens **at the moment the file is loaded**. Loading a pickle of unknown origin therefore runs whatever code its author chose: deleting files, stealing keys.
#
# Here is a harmless example: an object whose loading calls `print`. Swap `print` for `os.system` and it could run any command.

# %%
class Sneaky:
    def __reduce__(self):
        # when pickle loads this object, it calls print(...) and uses the result as the object
        return (print, ("!!! this line was run by torch.load !!!",))


torch.save({"weight": torch.ones(1), "extra": Sneaky()}, "suspicious.pt")

# weights_only=False on purpose, to show the danger: only ever do this for files you made and trust
unsafe = torch.load("suspicious.pt", weights_only=False)
print("loaded:", unsafe)

# %% [markdown]
# The `print` really did run during loading. `weights_only=True` allows only plain data (tensors, numbers, strings, lists, dicts and the like) and refuses anything that calls a function:

# %%
import pickle

try:
    torch.load("suspicious.pt", weights_only=True)
except pickle.UnpicklingError as error:
    reason = [line for line in str(error).splitlines() if "Unsupported global" in line][0]
    print("refused:", reason.strip().split(". ")[0])

# %% [markdown]
# Since PyTorch 2.6, `weights_only` defaults to `True`, but write it out anyway: a reader sees at once that the load is safe, and older PyTorch versions behave the same.
#
# ### Loading and checking
#
# Create a **new** model instance (its parameters are fresh random numbers), load the saved `state_dict` into it and confirm that its predictions match the original model's bit for bit:

# %%
torch.manual_seed(0)
loaded_model_0 = LinearRegressionModel().to(device)
loaded_model_0.load_state_dict(torch.load("model_0.pt", weights_only=True, map_location=device))

loaded_model_0.eval()
with torch.inference_mode():
    loaded_preds = loaded_model_0(X_test)

print(loaded_model_0.state_dict())
print("identical predictions:", torch.equal(loaded_preds, y_preds))

# %% [markdown]
# ## 7. The same model with `nn.Linear`
#
# We wrote `weight * x + bias` ourselves to see how it works. In practice you use `nn.Linear(in_features, out_features)`: inside it is a weight matrix of shape `(out, in)` and `out` biases, it computes $y = x W^\top + b$, and it comes with a sensible initialisation.

# %%
class LinearRegressionModelV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_layer = nn.Linear(in_features=1, out_features=1)

    def forward(self, x):
        return self.linear_layer(x)


torch.manual_seed(42)
model_1 = LinearRegressionModelV2().to(device)
print(model_1)
print(model_1.state_dict())

# %% [markdown]
# Training and testing work exactly as before, so let's put them in a function that works for any model:

# %%
def train_and_test(model, loss_fn, optimizer, epochs):
    for epoch in range(epochs):
        model.train()
        loss = loss_fn(model(X_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.inference_mode():
        test_loss = loss_fn(model(X_test), y_test)
    return loss.item(), test_loss.item()


train_loss, test_loss = train_and_test(model_1, nn.L1Loss(), torch.optim.SGD(model_1.parameters(), lr=0.01), epochs=300)
print(f"train L1 {train_loss:.4f} | test L1 {test_loss:.4f}")
w = model_1.linear_layer.weight.item()
b = model_1.linear_layer.bias.item()
print(f"weight {w:.4f} (true {weight_true}), bias {b:.4f} (true {bias_true})")

# %% [markdown]
# `nn.Linear` starts further from the answer, so we gave it 100 more epochs. It, too, ends up close to the true line.

# %% [markdown]
# > **Common mistake**: loading a `state_dict` into a model with a different architecture. A `state_dict` matches parameters by **name and shape**. `model_0`'s parameters are called `weight` and `bias`, with shape `(1,)`; `model_1`'s are `linear_layer.weight` (shape `(1, 1)`) and `linear_layer.bias`. When the names disagree, `load_state_dict` raises a `RuntimeError` listing the missing and unexpected keys; when the names agree but the shapes don't, it reports a `size mismatch`. When you hit this, print both sides' `state_dict().keys()` and shapes and compare. Don't paper over it with `strict=False`: that skips whatever doesn't match and silently leaves those parameters random.

# %%
#| raises: RuntimeError
model_1.load_state_dict(torch.load("model_0.pt", weights_only=True, map_location=device))

# %% [markdown]
# ## Summary
#
# - The standard workflow: prepare data → split into training and test sets → build a model → pick a loss and an optimizer → training loop + test loop → inference → save/load.
# - A training step: `model.train()`, forward, loss, `zero_grad()`, `backward()`, `step()`. Testing: `model.eval()` + `torch.inference_mode()`, forward only, no updates.
# - The test set must stay separate from the training set; it estimates how the model does on new data. Plotting training and test loss together shows whether the model is learning and whether it overfits.
# - Predict under `torch.inference_mode()`: leaner than `no_grad()`, at the price that the results can't take part in autograd later.
# - Save the `state_dict`, not the whole model; load with `torch.load(path, weights_only=True, map_location=device)`. A pickle file can run arbitrary code when loaded, so never switch `weights_only` off for a file you don't trust.
# - `device = "cuda" if torch.cuda.is_available() else "cpu"` plus `.to(device)` for the model and the data lets the same code run on CPU and GPU; call `.cpu()` before plotting or converting to NumPy.
# - `nn.Linear` is the ready-made linear layer; a `state_dict` loads only into a model whose keys and shapes match.

# %% [markdown]
# ## Exercises
#
# **Exercise 1: a different line.** Generate data from $y = -1.2x + 0.8$ for `x ∈ [0, 2)` (step 0.02), split it 80/20, and train an `nn.Linear(1, 1)` with `nn.L1Loss` and `SGD(lr=0.01)` until the learned weight and bias are both within 0.05 of the true values. Keep the whole thing device-agnostic.

# %%
#| solution: true
torch.manual_seed(0)
X1 = torch.arange(0, 2, 0.02).unsqueeze(1)
y1 = -1.2 * X1 + 0.8
cut = int(0.8 * len(X1))
X1_train, y1_train = X1[:cut].to(device), y1[:cut].to(device)
X1_test, y1_test = X1[cut:].to(device), y1[cut:].to(device)

line = nn.Linear(1, 1).to(device)
opt = torch.optim.SGD(line.parameters(), lr=0.01)
l1 = nn.L1Loss()
for epoch in range(1000):
    line.train()
    loss = l1(line(X1_train), y1_train)
    opt.zero_grad()
    loss.backward()
    opt.step()

line.eval()
with torch.inference_mode():
    test_l1 = l1(line(X1_test), y1_test).item()
w1, b1 = line.weight.item(), line.bias.item()
print(f"weight {w1:.3f}, bias {b1:.3f}, test L1 {test_l1:.4f}")

assert abs(w1 - (-1.2)) < 0.05 and abs(b1 - 0.8) < 0.05
assert test_l1 < 0.05

# %% [markdown]
# **Exercise 2: save, load, verify.** Save the `state_dict` of the model trained in exercise 1 to `line.pt` and load it into a fresh `nn.Linear(1, 1)`. Check that what you loaded is a plain dictionary with the keys `weight` and `bias`, that every tensor equals the original, and that both models' predictions on the test set agree bit for bit.

# %%
#| solution: true
torch.save(line.state_dict(), "line.pt")
state = torch.load("line.pt", weights_only=True, map_location=device)

line_copy = nn.Linear(1, 1).to(device)
line_copy.load_state_dict(state)
line_copy.eval()
with torch.inference_mode():
    same = torch.equal(line_copy(X1_test), line(X1_test))
print(list(state), same)

assert isinstance(state, dict) and list(state) == ["weight", "bias"]
assert all(torch.equal(state[k], v) for k, v in line.state_dict().items())
assert same

# %% [markdown]
# **Exercise 3: converting a `state_dict`.** In the common mistake above, the `state_dict` of `model_1` (the `nn.Linear` version) would not load into `LinearRegressionModel`. Write a function `linear_to_v0(sd)` that turns `linear_layer.weight` (shape `(1, 1)`) and `linear_layer.bias` into the `weight` and `bias` (both of shape `(1,)`) that `LinearRegressionModel` expects, load the result, and check that both models predict the same on the test set.

# %%
#| solution: true
def linear_to_v0(sd):
    return {
        "weight": sd["linear_layer.weight"].reshape(1),
        "bias": sd["linear_layer.bias"].reshape(1),
    }


converted = LinearRegressionModel().to(device)
converted.load_state_dict(linear_to_v0(model_1.state_dict()))
converted.eval()
with torch.inference_mode():
    diff = (converted(X_test) - model_1(X_test)).abs().max().item()
print("max difference:", diff)

assert {k: tuple(v.shape) for k, v in converted.state_dict().items()} == {"weight": (1,), "bias": (1,)}
assert diff < 1e-6

# %% [markdown]
# **Exercise 4: find the bug.** A colleague's training loop does, at each step, `optimizer.step()` first, then `loss.backward()`, and finally `optimizer.zero_grad()`. What happens to the parameters after 100 epochs? Write this buggy version and the correct one, train a fresh instance of `model_0`'s class with each from the same start, and verify that the buggy version **never updates** the parameters at all while the correct one brings the training loss down. Hint: where are the gradients when `step()` runs?

# %%
#| solution: true
def buggy_epoch(model, optimizer):
    loss = loss_fn(model(X_train), y_train)
    optimizer.step()          # the gradients were reset to None at the end of the last epoch: SGD skips these parameters
    loss.backward()
    optimizer.zero_grad()     # the fresh gradients are wiped before anyone uses them
    return loss.item()


def correct_epoch(model, optimizer):
    loss = loss_fn(model(X_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


results = {}
for name, epoch_fn in [("buggy", buggy_epoch), ("correct", correct_epoch)]:
    torch.manual_seed(42)
    m = LinearRegressionModel().to(device)
    start = {k: v.clone() for k, v in m.state_dict().items()}
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    losses = [epoch_fn(m, opt) for _ in range(100)]
    unchanged = all(torch.equal(start[k], v) for k, v in m.state_dict().items())
    results[name] = (losses[0], losses[-1], unchanged)
    print(f"{name:7s}: first loss {losses[0]:.4f}, last loss {losses[-1]:.4f}, parameters unchanged: {unchanged}")

assert results["buggy"][2] and results["buggy"][0] == results["buggy"][1]
assert not results["correct"][2] and results["correct"][1] < results["correct"][0] / 5
