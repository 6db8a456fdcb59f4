# ---
# title: 用多层感知机 (MLP) 识别手写数字
# summary: 从 softmax 和交叉熵讲起，训练一个多层感知机识别 MNIST 手写数字，用混淆矩阵和错例分析结果，最后保存并加载模型。
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
# # 用多层感知机 (MLP) 识别手写数字
#
# **学习目标**
#
# - 理解 softmax 和交叉熵 (cross-entropy) 的公式，知道 `nn.CrossEntropyLoss` 要的是 logits 而不是概率；
# - 验证 `log_softmax` + `nll_loss` 与 `cross_entropy` 相等，并明白为什么不能两样都做；
# - 搭一个多层感知机 (multilayer perceptron, MLP)，写出训练循环和评估循环，每一轮看验证集的准确率，最后在测试集上评估一次；
# - 写出与设备无关的训练代码：模型和每一批数据都 `.to(device)`；
# - 用混淆矩阵 (confusion matrix) 和错分样本分析模型错在哪里；
# - 用 `state_dict` 保存模型，用 `torch.load(..., weights_only=True)` 加载，并知道它能防住什么。
#
# **前置知识**：[torchvision：数据集与变换](../10-torchvision/index.md)
#
# **预计时间**：40 分钟
#
# **关于本页的输出**：网站在没有网络的机器上构建，所以下面的数字来自 MNIST 的一个离线样本：4,000 张训练图（其中 10% 留作验证集）、1,000 张测试图（见上一课），训练 3 轮。在你自己的电脑上，`download=True` 会下载完整的 60,000 张训练图和 10,000 张测试图；同样的网络训练几轮，测试准确率一般在 97% 到 98% 之间。

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
# ## 数据
#
# 数据的准备和上一课一样：转成浮点张量，再用训练集的均值和标准差做标准化。和[第 06 课](../06-workflow/index.py)一样，我们从训练图里随机留出 10% 作验证集 (validation set)：训练时每一轮看验证集上的成绩，测试集留到最后只评估一次。划分用带种子的生成器；训练集每批 64 张并打乱（也用带种子的生成器，每次运行顺序相同），验证集和测试集不打乱。整课的代码与设备无关：有 GPU 时，模型和每一批数据都搬到 GPU 上（[第 07 课](../07-devices/index.md)）。

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
# ## 从分数到概率：softmax
#
# 分类网络的最后一层对每个类别输出一个实数，MNIST 有 10 个类别，所以是 10 个数。这些数可正可负，也不加起来等于 1，叫作 logits（未归一化的分数）。softmax 把它们变成概率：
#
# $$
# \mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}
# $$
#
# 指数保证每一项都是正数，除以总和保证加起来等于 1。它不改变大小顺序：logit 最大的类别，概率也最大。

# %%
logits = torch.tensor([2.5, -1.0, 0.3, 4.1])
probs = torch.softmax(logits, dim=0)
print("probabilities:", probs)
print("sum:", probs.sum().item())
print("unchanged when 100 is added to every logit:",
      torch.allclose(probs, torch.softmax(logits + 100, dim=0)))

# %% [markdown]
# 最后一行说明 softmax 只看 logits 之间的**差**：所有 logits 同时加上一个常数，结果不变。后面会用到这个性质。
#
# ## 交叉熵
#
# 有了概率，怎么衡量预测的好坏？设样本的真实类别是 $y$，模型给它的概率是 $p_y$。交叉熵损失就是
#
# $$
# \ell = -\log p_y = -z_y + \log \sum_{j=1}^{K} e^{z_j}
# $$
#
# $p_y = 1$（完全确定且正确）时损失为 0；$p_y$ 趋近 0 时损失趋于无穷大。一个批次的损失取所有样本的平均。最小化它，就是让模型给正确类别的概率尽量大，也就是最大似然估计，所以它又叫负对数似然 (negative log-likelihood)。
#
# 先按公式手算，再和 PyTorch 的 `F.cross_entropy` 对比：

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
# `p[torch.arange(5), targets]` 从每一行里取出真实类别那一列的概率。两个结果相同。
#
# 注意 `F.cross_entropy`（以及它的类版本 `nn.CrossEntropyLoss`）的输入：
#
# - 第一个参数是 **logits**，形状 `[N, K]`。softmax 在函数内部做，不用你做；
# - 第二个参数是类别编号，形状 `[N]`，类型 `torch.long`，不是 one-hot 向量。
#
# ## log_softmax + nll_loss = cross_entropy
#
# 很多旧教程让网络最后输出 `F.log_softmax`，再用 `F.nll_loss` 算损失。`nll_loss` 本身很简单：从每行取出真实类别位置的值，取负号，再求平均。所以两步合起来正好就是交叉熵：

# %%
log_probs = F.log_softmax(batch_logits, dim=1)
two_steps = F.nll_loss(log_probs, targets)
print(f"log_softmax + nll_loss: {two_steps:.6f}")
print("equal to cross_entropy:", torch.allclose(two_steps, builtin))

# %% [markdown]
# 为什么有专门的 `log_softmax`，而不是先 `softmax` 再 `log`？因为数值稳定性。logits 很大时 $e^{z}$ 会溢出，很小时概率会下溢成 0，取对数就得到 `-inf`：

# %%
extreme = torch.tensor([[1000.0, 0.0, -1000.0]])
print("log(softmax(z)):", torch.log(torch.softmax(extreme, dim=1)))
print("log_softmax(z): ", F.log_softmax(extreme, dim=1))

# %% [markdown]
# `log_softmax` 利用了上面“加常数不变”的性质：先减去最大的 logit $m$，再算 $\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}$，指数的参数都不大于 0，不会溢出。`F.cross_entropy` 内部用的也是这个办法。
#
# 所以有两种正确的写法，二选一：
#
# 1. 模型输出 logits，损失用 `nn.CrossEntropyLoss`（推荐，本课采用）；
# 2. 模型最后一层接 `F.log_softmax`，损失用 `nn.NLLLoss`。
#
# 两样都做就错了，见下面的常见错误。

# %% [markdown]
# > **常见错误**：在模型末尾加了 `softmax`，又用 `nn.CrossEntropyLoss` 计算损失。这不会报错，但 softmax 被做了两次：交给损失函数的“logits”被压在 0 到 1 之间，第二次 softmax 再也给不出接近 1 的概率，损失有一个下限 $\log(1 + 9/e) \approx 1.46$，即使预测完全正确也降不下去。更糟的是，第一次 softmax 饱和后几乎没有梯度，模型错得越自信，学到的越少。下面对比一个“自信且正确”和一个“自信但错误”的预测：

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
# 正确的写法下，错误的预测损失为 {{ wrong_loss:.0f }}，梯度大小约 {{ wrong_grad:.1f }}，模型会被狠狠纠正；多做一次 softmax 后，损失只有 {{ wrong_loss_sm:.2f }}，梯度只有 {{ wrong_grad_sm:.0e }}，几乎没有学习信号。实际训练中，用 Adam 这类会自动放大小梯度的优化器时，模型往往仍能学会一些，但损失停在 1.5 附近，训练明显变慢，而且损失的数值失去了意义。
#
# ## 多层感知机
#
# 多层感知机由几个全连接层 (fully connected layer, `nn.Linear`) 组成，层与层之间夹着非线性激活函数。它只认识向量，所以先用 `nn.Flatten` 把 `[N, 1, 28, 28]` 的图片展平成 `[N, 784]`。我们用 784 → 128 → 64 → 10 的结构：
#
# - 中间的 `ReLU` 不能省：没有非线性，几个线性层叠起来仍然只等于一个线性层；
# - 最后一层输出 10 个 logits，**不**接 softmax，交给 `nn.CrossEntropyLoss`。

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

# 取一批看看形状。另建一个不打乱的加载器：每次 iter(train_loader) 都会动用它的随机数生成器，
# 多取这一次，后面训练时每一轮的打乱顺序就都变了
images, labels = next(iter(DataLoader(train_ds, batch_size=64)))
images, labels = images.to(device), labels.to(device)
print("input", tuple(images.shape), "-> output", tuple(model(images).shape))

# %% [markdown]
# 参数个数：$784 \times 128 + 128 + 128 \times 64 + 64 + 64 \times 10 + 10$ = {{ n_params:, }}，几乎全在第一层。输入一批 64 张图，输出 64 行、每行 10 个 logits。取这一批时我们另建了一个不打乱的加载器，原因写在代码的注释里：训练的打乱顺序只取决于 `train_loader` 的生成器，别处多用一次，结果就变了。

# %% [markdown]
# > **常见错误**：`forward` 算完了却忘了写 `return`。Python 函数没有 `return` 就返回 `None`，所以调用模型本身不会报错，直到 `None` 被交给损失函数时才抛出 `TypeError`，而报错信息指向损失函数，不指向真正出错的 `forward`。看到 “must be Tensor, not NoneType”，先检查 `forward` 的最后一行。

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
# ## 训练循环和评估循环
#
# 把一轮训练和一次完整的评估各写成一个函数，后面可以反复使用。评估函数对验证集和测试集都适用：

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
# 几个细节：
#
# - `model.train()` 和 `model.eval()` 切换模式。这个网络里没有 Dropout 或 BatchNorm，切不切结果都一样，但养成习惯，换了网络也不会出错；
# - 每一批都用 `.to(device)` 搬到模型所在的设备，这是设备无关代码的关键一行；
# - 评估时用 `torch.inference_mode()`：不记录计算图，更快也更省内存；
# - 预测类别用 `argmax`：softmax 不改变大小顺序，所以直接在 logits 上取最大值即可；
# - 每批损失乘以批大小再累加，最后除以样本总数，这样不满的最后一批也按实际样本数计入平均。
#
# 现在用 Adam 训练 3 轮，每一轮结束后在验证集上评估一次：

# %%
EPOCHS = 3
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(1, EPOCHS + 1):
    train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
    val_loss, val_acc = evaluate(model, val_loader, loss_fn)
    print(f"epoch {epoch}: train loss {train_loss:.4f}  validation loss {val_loss:.4f}  "
          f"validation accuracy {val_acc:.2%}")

# %% [markdown]
# 训练结束了，所有的决定（网络结构、学习率、训练几轮）也都做完了。现在才在测试集上评估，而且只评估这一次：

# %%
#| glue: test_acc
#| glue: val_acc
#| glue: n_train = len(train_ds)
test_loss, test_acc = evaluate(model, test_loader, loss_fn)
print(f"test loss {test_loss:.4f}  test accuracy {test_acc:.2%}")

# %% [markdown]
# 验证准确率最后到了 {{ val_acc:.1% }}，测试准确率是 {{ test_acc:.1% }}：后者是在 1,000 张模型从没见过、也没参与过任何决定的图上算的。只用 {{ n_train:, }} 张图训练 3 轮，已经远远超过随机猜测的 10%。在完整的 60,000 张训练图上，同样的代码会达到约 97%–98%：数据越多，模型越能学到各种写法的共性。
#
# ## 混淆矩阵：错在哪里
#
# 准确率只是一个数。混淆矩阵告诉我们哪些数字被认成了哪些数字：第 $i$ 行第 $j$ 列是“真实为 $i$、预测为 $j$”的样本数，对角线上是预测正确的。它是刚才那一次测试评估的细分，不是又一次打分。先收集整个测试集的预测：

# %%
def predict(model, loader):
    model.eval()
    all_preds, all_labels = [], []
    with torch.inference_mode():
        for images, labels in loader:
            all_preds.append(model(images.to(device)).argmax(dim=1).cpu())   # 混淆矩阵在 CPU 上算
            all_labels.append(labels)
    return torch.cat(all_preds), torch.cat(all_labels)


preds, true_labels = predict(model, test_loader)
confusion = torch.bincount(true_labels * 10 + preds, minlength=100).reshape(10, 10)
print(confusion)
print(f"accuracy from the matrix: {confusion.diag().sum() / confusion.sum():.2%}")

# %% [markdown]
# `true_labels * 10 + preds` 把每一对（真实, 预测）编成 0 到 99 之间唯一的一个数，`bincount` 数出每个数出现几次，再排成 10×10，就是混淆矩阵。对角线之和除以总数，正好是准确率。画成图更容易看：

# %%
#| alt: 10×10 的混淆矩阵热力图，横轴是预测标签，纵轴是真实标签；对角线颜色最深，少数非对角格子里有较小的数字
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
# 对角线外的格子就是错误。与其用眼睛在图上找，不如让代码找出数字最大的三个非对角格子：

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
off_diagonal.fill_diagonal_(0)                   # 只看错误
largest = torch.argsort(off_diagonal.flatten(), descending=True, stable=True)[:3]
top = [(i // 10, i % 10, off_diagonal.flatten()[i].item()) for i in largest.tolist()]
for true, pred, count in top:
    print(f"true {true} -> predicted {pred}: {count} images")

# %% [markdown]
# 最常见的三种错误是：把 {{ c1_true }} 认成 {{ c1_pred }}（{{ c1_n }} 张）、把 {{ c2_true }} 认成 {{ c2_pred }}（{{ c2_n }} 张）、把 {{ c3_true }} 认成 {{ c3_pred }}（{{ c3_n }} 张）。注意混淆矩阵不对称：把 a 认成 b 和把 b 认成 a 是两个不同的格子。这些格子里都只有几张图，换一个随机种子或多训练一轮，排名就可能变，所以别从一次小实验里读出太多。再看看被认错的图长什么样（图前先打印出每张图的真实标签和预测标签）：

# %%
#| alt: 3 行 6 列被模型认错的测试图片，每张图上方写着真实标签和预测标签
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
# 画图前把标准化过的像素还原回 0–1（上一课的练习 2）。其中有些图连人也要犹豫一下，也有些对人来说很清楚：那正是更好的模型可以改进的地方。下一课的卷积网络会利用图片的空间结构，而 MLP 把图片展平后就丢掉了“哪些像素彼此相邻”这一信息。
#
# ## 保存和加载模型
#
# 训练好的模型要保存下来。推荐的做法是只保存 `state_dict`：一个从参数名到张量的有序字典，不包含类的代码。

# %%
torch.save(model.state_dict(), "mnist_mlp.pt")
print(list(model.state_dict().keys()))

restored = MLP().to(device)
restored.load_state_dict(torch.load("mnist_mlp.pt", weights_only=True, map_location=device))
_, restored_acc = evaluate(restored, test_loader, loss_fn)
print(f"restored model: test accuracy {restored_acc:.2%}, same as before: {restored_acc == test_acc}")

# %% [markdown]
# - 加载时要先用同样的类建一个模型（`MLP()`），再把参数装进去，所以类的定义要和保存时一致；
# - `torch.save` 底层用 pickle，而加载任意 pickle 文件可以执行任意代码。`weights_only=True` 只允许读出张量和基本容器，挡住了加载时执行代码这一类攻击；PyTorch 2.6 起它已是默认值，明确写出来，读代码的人一眼就知道这里只读数据。但它不保证文件本身可信：数值可能被人改过，解析文件的代码也出过漏洞（见[第 06 课](../06-workflow/index.py)），别人给的文件仍要先确认来源；
# - `map_location=device` 让在 GPU 上保存的文件也能在只有 CPU 的机器上加载；
# - 想以后接着训练，还要保存 `optimizer.state_dict()`（Adam 的动量等状态），加载方式相同。
#
# ## 小结
#
# - softmax 把 logits 变成概率；交叉熵 $-\log p_y$ 惩罚给正确类别的低概率。
# - `nn.CrossEntropyLoss` 的输入是 logits 和类别编号，它等于 `log_softmax` + `nll_loss`；模型末尾不要再加 softmax。
# - MLP：`Flatten` → `Linear` + `ReLU` → … → `Linear`（10 个输出）。`forward` 一定要 `return`。
# - 训练循环：前向、损失、`zero_grad`、`backward`、`step`；评估循环：`eval()` + `inference_mode()` + `argmax`。每一轮看验证集，测试集只在最后评估一次。模型和每一批数据都 `.to(device)`。
# - 混淆矩阵和错例比一个准确率告诉我们更多。
# - 保存 `state_dict`，用 `torch.load(..., weights_only=True, map_location=device)` 加载；它挡住加载时执行代码，但不保证文件可信。
#
# ## 练习
#
# **练习 1.** 不用 `softmax`，只用 `torch.logsumexp` 和下标，按公式 $\ell = -z_y + \log\sum_j e^{z_j}$ 写出 `my_cross_entropy(logits, targets)`（返回批次平均）。它要和 `F.cross_entropy` 一致，在 logits 很大时（比如乘以 1000）也不能出现 `inf` 或 `nan`。

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
# **练习 2.** 从混淆矩阵算出每个数字各自的准确率（该数字的测试图中被认对的比例），找出模型最不擅长的数字。再验证：按每个数字的样本数加权平均这些准确率，正好等于总的测试准确率。

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
# **练习 3.** 修好 `ForgetfulMLP`，然后用 `torch.optim.SGD(lr=0.05, momentum=0.9)` 从头训练它 3 轮（训练前先 `torch.manual_seed(0)`）。验证准确率应该超过 85%。

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
# **练习 4.** 对单张图片做预测：取 `test_ds[0]`，给它加上批次维度（模型要的是 `[N, 1, 28, 28]`），用训练好的 `model` 算出 10 个类别的概率。检查概率之和为 1，且概率最大的类别与 `preds[0]` 相同。

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
