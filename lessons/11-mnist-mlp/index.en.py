# ---
# title: Recognising handwritten digits with a multilayer perceptron
# summary: Starting from softmax and cross-entropy, train a multilayer perceptron on the MNIST digits, study its errors with a confusion matrix, then save and reload it.
# order: 11
# time: 40
# prerequisites: [10-torchvision]
# gpu: false
# datasets: [mnist]
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
# # Recognising handwritten digits with a multilayer perceptron
#
# **What you will learn**
#
# - the formulas of softmax and cross-entropy, and why `nn.CrossEntropyLoss` wants logits rather than probabilities;
# - to check that `log_softmax` + `nll_loss` equals `cross_entropy`, and why you must not do both;
# - to build a multilayer perceptron (MLP), write a training loop and an evaluation loop, watch the validation accuracy after every epoch, and evaluate on the test set once at the end;
# - to write device-agnostic training code: `.to(device)` on the model and on every batch;
# - to find out where the model goes wrong with a confusion matrix and a look at its mistakes;
# - to save a model as a `state_dict`, load it with `torch.load(..., weights_only=True)`, and know what that does and does not guard against.
#
# **Prerequisites**: [torchvision: datasets and transforms](../10-torchvision/index.en.md)
#
# **Estimated time**: 40 minutes
#
# **About the outputs on this page**: the site is built on a machine with no network, so the numbers below come from an offline sample of MNIST: 4,000 training images (10% of them kept aside for validation) and 1,000 test images (see the previous lesson), trained for 3 epochs. On your own computer `download=True` fetches the full 60,000 training and 10,000 test images; the same network trained for a few epochs then usually reaches 97% to 98% test accuracy.

# %%
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt
from torch.utils.data import DataLoader, random_split
from torchvision import datasets
from torchvision.transforms import v2

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"
print("device:", device)

# %% [markdown]
# ## The data
#
# The data pipeline is the one from the previous lesson: convert to a float tensor, then standardise with the mean and standard deviation of the training set. As in [lesson 06](../06-workflow/index.en.py), we keep a random 10% of the training images aside as a validation set: training looks at the validation score after every epoch, and the test set is evaluated once, at the end. The split uses a seeded generator; the training loader serves shuffled batches of 64 (with a seeded generator too, so every run sees the same order); the validation and test loaders do not shuffle. The whole lesson is device-agnostic: with a GPU, the model and every batch go to the GPU ([lesson 07](../07-devices/index.en.md)).

# %%
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
transform = v2.Compose([
    v2.ToImage(),
    v2.ToDtype(torch.float32, scale=True),
    v2.Normalize(MNIST_MEAN, MNIST_STD),
])

train_full = datasets.MNIST(root="data", train=True, download=True, transform=transform)
test_ds = datasets.MNIST(root="data", train=False, download=True, transform=transform)
train_ds, val_ds = random_split(train_full, [0.9, 0.1], generator=torch.Generator().manual_seed(0))

train_loader = DataLoader(train_ds, batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(val_ds, batch_size=500)
test_loader = DataLoader(test_ds, batch_size=500)
print("train images:", len(train_ds), " validation images:", len(val_ds), " test images:", len(test_ds))

# %% [markdown]
# ## From scores to probabilities: softmax
#
# The last layer of a classifier outputs one real number per class: ten numbers for MNIST. They can be negative and they do not sum to 1; they are called logits, unnormalised scores. Softmax turns them into probabilities:
#
# $$
# \mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}
# $$
#
# The exponential makes every term positive, and dividing by the sum makes them add up to 1. The order is kept: the class with the largest logit also gets the largest probability.

# %%
logits = torch.tensor([2.5, -1.0, 0.3, 4.1])
probs = torch.softmax(logits, dim=0)
print("probabilities:", probs)
print("sum:", probs.sum().item())
print("unchanged when 100 is added to every logit:",
      torch.allclose(probs, torch.softmax(logits + 100, dim=0)))

# %% [markdown]
# The last line shows that softmax only cares about the **differences** between logits: add the same constant to all of them and nothing changes. That property comes back shortly.
#
# ## Cross-entropy
#
# Given probabilities, how do we score a prediction? Let the true class of a sample be $y$ and the probability the model gives it $p_y$. The cross-entropy loss is
#
# $$
# \ell = -\log p_y = -z_y + \log \sum_{j=1}^{K} e^{z_j}
# $$
#
# When $p_y = 1$ (certain and right) the loss is 0; as $p_y$ approaches 0 the loss grows without bound. The loss of a batch is the mean over its samples. Minimising it pushes up the probability of the right class, which is maximum-likelihood estimation; hence its other name, negative log-likelihood.
#
# Compute it from the formula first, then compare with PyTorch's `F.cross_entropy`:

# %%
torch.manual_seed(0)
batch_logits = torch.randn(5, 10)
targets = torch.tensor([3, 0, 9, 3, 7])

p = torch.softmax(batch_logits, dim=1)
by_hand = -torch.log(p[torch.arange(5), targets]).mean()
builtin = F.cross_entropy(batch_logits, targets)
print(f"by hand:         {by_hand:.6f}")
print(f"F.cross_entropy: {builtin:.6f}")

# %% [markdown]
# `p[torch.arange(5), targets]` picks, from each row, the probability in the column of the true class. The two results agree.
#
# Mind what `F.cross_entropy` (and its class form `nn.CrossEntropyLoss`) takes:
#
# - the first argument is **logits**, of shape `[N, K]`. The softmax happens inside the function; you do not apply it;
# - the second argument holds class indices, of shape `[N]` and type `torch.long`, not one-hot vectors.
#
# ## log_softmax + nll_loss = cross_entropy
#
# Many older tutorials end the network with `F.log_softmax` and compute the loss with `F.nll_loss`. `nll_loss` itself is simple: from each row it takes the value at the true class, flips the sign and averages. Together, the two steps are exactly cross-entropy:

# %%
log_probs = F.log_softmax(batch_logits, dim=1)
two_steps = F.nll_loss(log_probs, targets)
print(f"log_softmax + nll_loss: {two_steps:.6f}")
print("equal to cross_entropy:", torch.allclose(two_steps, builtin))

# %% [markdown]
# Why a dedicated `log_softmax` instead of `softmax` followed by `log`? Numerical stability. With large logits $e^{z}$ overflows, with small ones the probability underflows to 0, and its logarithm is `-inf`:

# %%
extreme = torch.tensor([[1000.0, 0.0, -1000.0]])
print("log(softmax(z)):", torch.log(torch.softmax(extreme, dim=1)))
print("log_softmax(z): ", F.log_softmax(extreme, dim=1))

# %% [markdown]
# `log_softmax` uses the "adding a constant changes nothing" property: it subtracts the largest logit $m$ first and computes $\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}$, where no exponent is above 0, so nothing overflows. `F.cross_entropy` does the same internally.
#
# That leaves two correct designs; pick one:
#
# 1. the model outputs logits and the loss is `nn.CrossEntropyLoss` (recommended, and used in this lesson);
# 2. the model ends with `F.log_softmax` and the loss is `nn.NLLLoss`.
#
# Doing both is a bug, as the next box shows.

# %% [markdown]
# > **Common mistake**: ending the model with a `softmax` and still computing the loss with `nn.CrossEntropyLoss`. Nothing raises, but softmax runs twice: the "logits" reaching the loss are squeezed into 0 to 1, the second softmax can never produce a probability near 1, and the loss has a floor of $\log(1 + 9/e) \approx 1.46$ that even a perfect prediction cannot get below. Worse, the first softmax saturates and passes almost no gradient back, so the more confident the model is about a wrong answer, the less it learns. Compare a confident right prediction with a confident wrong one:

# %%
#| glue: wrong_loss = good.item()
#| glue: wrong_grad = good_grad.norm().item()
#| glue: wrong_loss_sm = bad.item()
#| glue: wrong_grad_sm = bad_grad.norm().item()
loss_fn = nn.CrossEntropyLoss()
target = torch.tensor([2])
sure_right = torch.zeros(1, 10)
sure_right[0, 2] = 20.0
sure_wrong = torch.zeros(1, 10)
sure_wrong[0, 5] = 20.0

for name, z in [("sure and right", sure_right), ("sure and wrong", sure_wrong)]:
    z = z.clone().requires_grad_()
    good = loss_fn(z, target)
    bad = loss_fn(torch.softmax(z, dim=1), target)
    good_grad, = torch.autograd.grad(good, z)
    bad_grad, = torch.autograd.grad(bad, z)
    print(f"{name}:  loss {good.item():7.4f} (logits) vs {bad.item():.4f} (softmax first)"
          f"  |  gradient {good_grad.norm():.1e} vs {bad_grad.norm():.1e}")

# %% [markdown]
# Done correctly, the wrong prediction costs {{ wrong_loss:.0f }} and produces a gradient of size about {{ wrong_grad:.1f }}: the model gets a firm correction. With the extra softmax the loss is only {{ wrong_loss_sm:.2f }} and the gradient {{ wrong_grad_sm:.0e }}: practically no learning signal. In real training, an optimizer that scales small gradients up, such as Adam, often still learns something, but the loss stalls around 1.5, training slows down noticeably, and the loss value no longer means anything.
#
# ## A multilayer perceptron
#
# A multilayer perceptron is a stack of fully connected layers (`nn.Linear`) with non-linear activation functions between them. It only understands vectors, so `nn.Flatten` first turns the `[N, 1, 28, 28]` images into `[N, 784]`. We use a 784 → 128 → 64 → 10 layout:
#
# - the `ReLU`s in between are essential: without a non-linearity, stacked linear layers collapse into a single linear layer;
# - the last layer outputs 10 logits, with **no** softmax after it, for `nn.CrossEntropyLoss`.

# %%
#| glue: n_params = sum(p.numel() for p in model.parameters())
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(28 * 28, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        return self.layers(x)


torch.manual_seed(0)
model = MLP().to(device)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))

# Take one batch to look at the shapes, from a separate loader that does not shuffle: every
# iter(train_loader) draws from its random generator, and one extra draw would change the order of every epoch below
images, labels = next(iter(DataLoader(train_ds, batch_size=64)))
images, labels = images.to(device), labels.to(device)
print("input", tuple(images.shape), "-> output", tuple(model(images).shape))

# %% [markdown]
# The parameter count is $784 \times 128 + 128 + 128 \times 64 + 64 + 64 \times 10 + 10$ = {{ n_params:, }}, almost all of it in the first layer. A batch of 64 images goes in; 64 rows of 10 logits come out. That batch came from a separate loader that does not shuffle, for the reason in the code comment: the order of training depends only on `train_loader`'s generator, and using it once more anywhere changes the results.

# %% [markdown]
# > **Common mistake**: `forward` computes everything and then forgets the `return`. A Python function without `return` returns `None`, so calling the model raises nothing. The `TypeError` only comes when `None` reaches the loss function, and the message points at the loss, not at the `forward` that is really at fault. When you see "must be Tensor, not NoneType", look at the last line of `forward` first.

# %%
#| raises: TypeError
class ForgetfulMLP(MLP):
    def forward(self, x):
        x = self.flatten(x)
        x = self.layers(x)


forgetful = ForgetfulMLP().to(device)
output = forgetful(images)
print("model output:", output)
loss = loss_fn(output, labels)

# %% [markdown]
# ## The training loop and the evaluation loop
#
# Write one epoch of training and one full evaluation pass as functions, to reuse them below. The evaluation function serves the validation and the test set alike:

# %%
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total_loss, total = 0.0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        loss = loss_fn(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(labels)
        total += len(labels)
    return total_loss / total


def evaluate(model, loader, loss_fn):
    model.eval()
    total_loss, correct, total = 0.0, 0, 0
    with torch.inference_mode():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total_loss += loss_fn(logits, labels).item() * len(labels)
            correct += (logits.argmax(dim=1) == labels).sum().item()
            total += len(labels)
    return total_loss / total, correct / total

# %% [markdown]
# A few details:
#
# - `model.train()` and `model.eval()` switch modes. This network has no Dropout or BatchNorm, so the switch changes nothing here, but make it a habit and a different network will not catch you out;
# - every batch is moved with `.to(device)` to where the model is: the key line of device-agnostic code;
# - evaluation runs under `torch.inference_mode()`: no graph is recorded, which is faster and uses less memory;
# - the predicted class is the `argmax`: softmax keeps the order, so taking the largest logit is enough;
# - each batch loss is multiplied by the batch size before summing, and the sum is divided by the number of samples, so the partial last batch counts with its true size.
#
# Now train with Adam for 3 epochs, evaluating on the validation set after each one:

# %%
EPOCHS = 3
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(1, EPOCHS + 1):
    train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
    val_loss, val_acc = evaluate(model, val_loader, loss_fn)
    print(f"epoch {epoch}: train loss {train_loss:.4f}  validation loss {val_loss:.4f}  "
          f"validation accuracy {val_acc:.2%}")

# %% [markdown]
# Training is over, and so are the decisions (the architecture, the learning rate, the number of epochs). Only now do we evaluate on the test set, and only this once:

# %%
#| glue: test_acc
#| glue: val_acc
#| glue: n_train = len(train_ds)
test_loss, test_acc = evaluate(model, test_loader, loss_fn)
print(f"test loss {test_loss:.4f}  test accuracy {test_acc:.2%}")

# %% [markdown]
# The validation accuracy ended at {{ val_acc:.1% }}, and the test accuracy is {{ test_acc:.1% }}, measured on 1,000 images the model has never seen and that took no part in any decision. With only {{ n_train:, }} training images and 3 epochs it is already far beyond the 10% of random guessing. With the full 60,000 training images the same code reaches about 97–98%: more data shows the model more ways of writing each digit.
#
# ## The confusion matrix: where the errors are
#
# Accuracy is a single number. A confusion matrix shows which digits are taken for which: row $i$, column $j$ counts the samples whose true label is $i$ and predicted label is $j$, and the diagonal holds the correct predictions. It breaks down the one test evaluation we just made; it is not another round of scoring. First collect the predictions for the whole test set:

# %%
def predict(model, loader):
    model.eval()
    all_preds, all_labels = [], []
    with torch.inference_mode():
        for images, labels in loader:
            all_preds.append(model(images.to(device)).argmax(dim=1).cpu())   # the confusion matrix is computed on the CPU
            all_labels.append(labels)
    return torch.cat(all_preds), torch.cat(all_labels)


preds, true_labels = predict(model, test_loader)
confusion = torch.bincount(true_labels * 10 + preds, minlength=100).reshape(10, 10)
print(confusion)
print(f"accuracy from the matrix: {confusion.diag().sum() / confusion.sum():.2%}")

# %% [markdown]
# `true_labels * 10 + preds` encodes each (true, predicted) pair as a unique number from 0 to 99; `bincount` counts each number, and reshaping to 10×10 gives the confusion matrix. The diagonal sum divided by the total is exactly the accuracy. A picture is easier to read:

# %%
#| alt: A 10 by 10 confusion-matrix heat map, predicted label on the horizontal axis and true label on the vertical one; the diagonal is darkest, and a few off-diagonal cells hold small counts
fig, ax = plt.subplots(figsize=(6, 5))
im = ax.imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        count = confusion[i, j].item()
        if count > 0:
            color = "white" if count > confusion.max() / 2 else "black"
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8, color=color)
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted label")
ax.set_ylabel("true label")
ax.set_title("Confusion matrix on the test set")
fig.colorbar(im, ax=ax)
plt.show()

# %% [markdown]
# The off-diagonal cells are the errors. Rather than hunting for the largest ones by eye, let the code find the three largest off-diagonal cells:

# %%
#| glue: c1_true = top[0][0]
#| glue: c1_pred = top[0][1]
#| glue: c1_n = top[0][2]
#| glue: c2_true = top[1][0]
#| glue: c2_pred = top[1][1]
#| glue: c2_n = top[1][2]
#| glue: c3_true = top[2][0]
#| glue: c3_pred = top[2][1]
#| glue: c3_n = top[2][2]
off_diagonal = confusion.clone()
off_diagonal.fill_diagonal_(0)                   # errors only
largest = torch.argsort(off_diagonal.flatten(), descending=True, stable=True)[:3]
top = [(i // 10, i % 10, off_diagonal.flatten()[i].item()) for i in largest.tolist()]
for true, pred, count in top:
    print(f"true {true} -> predicted {pred}: {count} images")

# %% [markdown]
# The three most common errors are {{ c1_true }} read as {{ c1_pred }} ({{ c1_n }} images), {{ c2_true }} read as {{ c2_pred }} ({{ c2_n }}) and {{ c3_true }} read as {{ c3_pred }} ({{ c3_n }}). Note that the matrix is not symmetric: reading a as b and b as a are two different cells. Each of these cells holds only a handful of images, and another random seed or one more epoch could reorder them, so don't read too much into one small experiment. Now look at some of the misread images (their true and predicted labels are printed first):

# %%
#| alt: 3 rows of 6 test images that the model got wrong, each titled with its true and its predicted label
wrong = torch.nonzero(preds != true_labels).flatten()
print("misclassified:", len(wrong), "of", len(true_labels))
print("true -> predicted, as in the figure:")
for row in wrong[:18].reshape(3, 6).tolist():
    print("  ".join(f"{true_labels[i]} -> {preds[i]}" for i in row))

fig, axes = plt.subplots(3, 6, figsize=(7.5, 4.4))
for ax, idx in zip(axes.flat, wrong[:18].tolist()):
    image, label = test_ds[idx]
    ax.imshow(image[0] * MNIST_STD[0] + MNIST_MEAN[0], cmap="gray")
    ax.set_title(f"true {label} / pred {preds[idx].item()}", fontsize=9)
for ax in axes.flat:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# Before plotting, the standardised pixels are mapped back to 0–1 (exercise 2 of the previous lesson). Some of these images would make a person hesitate too; others are obvious to us, and those are where a better model can gain. The convolutional network of the next lesson uses the spatial structure of the image, which the MLP throws away when it flattens the image and forgets which pixels are neighbours.
#
# ## Saving and loading the model
#
# A trained model should be saved. The recommended way is to save only its `state_dict`: an ordered dictionary from parameter names to tensors, without the class's code.

# %%
torch.save(model.state_dict(), "mnist_mlp.pt")
print(list(model.state_dict().keys()))

restored = MLP().to(device)
restored.load_state_dict(torch.load("mnist_mlp.pt", weights_only=True, map_location=device))
_, restored_acc = evaluate(restored, test_loader, loss_fn)
print(f"restored model: test accuracy {restored_acc:.2%}, same as before: {restored_acc == test_acc}")

# %% [markdown]
# - To load, first build a model from the same class (`MLP()`) and then pour the parameters in, so the class definition must match the one used when saving;
# - `torch.save` uses pickle underneath, and loading an arbitrary pickle file can run arbitrary code. `weights_only=True` lets only tensors and basic containers through, which stops code from running at load time; it has been the default since PyTorch 2.6, and writing it out tells every reader that only data is read here. It does not make a file trustworthy, though: the numbers may have been tampered with, and the parsing code has had holes before (see [lesson 06](../06-workflow/index.en.py)), so check where someone else's file comes from;
# - `map_location=device` lets a file saved on a GPU load on a CPU-only machine;
# - to resume training later, also save `optimizer.state_dict()` (Adam's momentum and other state) and load it the same way.
#
# ## Summary
#
# - Softmax turns logits into probabilities; cross-entropy $-\log p_y$ penalises a low probability for the right class.
# - `nn.CrossEntropyLoss` takes logits and class indices and equals `log_softmax` + `nll_loss`; do not put another softmax at the end of the model.
# - MLP: `Flatten` → `Linear` + `ReLU` → … → `Linear` (10 outputs). `forward` must `return`.
# - The training loop: forward, loss, `zero_grad`, `backward`, `step`; the evaluation loop: `eval()` + `inference_mode()` + `argmax`. Watch the validation set every epoch; evaluate the test set once, at the end. `.to(device)` on the model and on every batch.
# - A confusion matrix and the misread images say more than one accuracy figure.
# - Save the `state_dict`; load it with `torch.load(..., weights_only=True, map_location=device)`, which stops code from running at load time but does not make a file trustworthy.
#
# ## Exercises
#
# **Exercise 1.** Without `softmax`, using only `torch.logsumexp` and indexing, write `my_cross_entropy(logits, targets)` from the formula $\ell = -z_y + \log\sum_j e^{z_j}$ (returning the batch mean). It must agree with `F.cross_entropy`, and it must not produce `inf` or `nan` when the logits are large (multiplied by 1000, say).

# %%
#| solution: true
def my_cross_entropy(logits, targets):
    picked = logits[torch.arange(len(targets)), targets]
    return (torch.logsumexp(logits, dim=1) - picked).mean()


torch.manual_seed(1)
z = torch.randn(8, 10)
y = torch.randint(0, 10, (8,))
for scale in (1.0, 1000.0):
    mine, ref = my_cross_entropy(z * scale, y), F.cross_entropy(z * scale, y)
    print(f"scale {scale:6.0f}: mine {mine:.4f}  F.cross_entropy {ref:.4f}")
    assert torch.isfinite(mine)
    assert torch.allclose(mine, ref)

# %% [markdown]
# **Exercise 2.** From the confusion matrix, compute each digit's own accuracy (the share of its test images that were recognised), and find the digit the model handles worst. Then check that the average of these accuracies, weighted by each digit's number of samples, is exactly the overall test accuracy.

# %%
#| solution: true
per_class = confusion.diag() / confusion.sum(dim=1)
for digit, acc in enumerate(per_class.tolist()):
    print(f"digit {digit}: {acc:.2%}")
worst = per_class.argmin().item()
print("hardest digit:", worst)

weights = confusion.sum(dim=1) / confusion.sum()
assert per_class[worst] == per_class.min()
assert abs((per_class * weights).sum().item() - test_acc) < 1e-6

# %% [markdown]
# **Exercise 3.** Fix `ForgetfulMLP`, then train it from scratch for 3 epochs with `torch.optim.SGD(lr=0.05, momentum=0.9)` (call `torch.manual_seed(0)` first). Its validation accuracy should be above 85%.

# %%
#| solution: true
class FixedMLP(MLP):
    def forward(self, x):
        x = self.flatten(x)
        x = self.layers(x)
        return x


torch.manual_seed(0)
fixed = FixedMLP().to(device)
sgd = torch.optim.SGD(fixed.parameters(), lr=0.05, momentum=0.9)
for epoch in range(3):
    train_one_epoch(fixed, train_loader, loss_fn, sgd)
_, fixed_acc = evaluate(fixed, val_loader, loss_fn)
print(f"fixed MLP with SGD: validation accuracy {fixed_acc:.2%}")
assert fixed(images).shape == (64, 10)
assert fixed_acc > 0.85

# %% [markdown]
# **Exercise 4.** Predict a single image: take `test_ds[0]`, add a batch dimension (the model wants `[N, 1, 28, 28]`), and compute the ten class probabilities with the trained `model`. Check that they sum to 1 and that the most probable class equals `preds[0]`.

# %%
#| solution: true
image, label = test_ds[0]
batch = image.unsqueeze(0)
model.eval()
with torch.inference_mode():
    probabilities = torch.softmax(model(batch.to(device)), dim=1)[0].cpu()
print("shape of the batch:", tuple(batch.shape))
print("true label:", label, " predicted:", probabilities.argmax().item(),
      f" probability {probabilities.max():.2%}")
assert batch.shape == (1, 1, 28, 28)
assert torch.isclose(probabilities.sum(), torch.tensor(1.0))
assert probabilities.argmax().item() == preds[0].item()
