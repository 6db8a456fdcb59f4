# ---
# title: 完整流程：数据、训练、评估、保存与加载
# summary: 用一条已知的直线走完一遍 PyTorch 的标准流程：准备数据、划分训练集和测试集、建模、训练与测试循环、推理、保存和加载 state_dict，最后改用 nn.Linear。
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
# # 完整流程：数据、训练、评估、保存与加载
#
# **学习目标**
#
# - 走完一个机器学习项目的标准流程：准备数据 → 建模 → 训练 → 评估 → 保存与加载；
# - 按 80/20 划分训练集 (training set) 和测试集 (test set)，并画图检查预测；
# - 写出训练循环 (training loop) 和测试循环 (test loop)，画出损失曲线；
# - 明白预测时为什么用 `torch.inference_mode()`；
# - 用 `torch.save` / `torch.load(..., weights_only=True)` 保存和加载 `state_dict`，并知道为什么不能随便加载别人的 pickle 文件；
# - 写出与设备无关 (device-agnostic) 的代码；
# - 用 `nn.Linear` 重写同一个模型。
#
# **前置知识**：[nn.Module、损失函数与优化器](../05-nn-module/index.md)。
#
# **预计时间**：40 分钟。
#
# 这一课的任务很简单：数据来自一条我们**事先知道**的直线 $y = 0.6x + 0.25$。模型不知道这两个数，它要从数据里把它们学出来。正因为答案已知，我们可以随时检查模型学得对不对。流程本身和训练一个大网络完全相同，只是每一步都小到一眼能看清。

# %% [markdown]
# ## 0. 导入与设备
#
# 先导入需要的库，并决定在哪个设备上计算。下面这行是 PyTorch 代码里最常见的一行：有 GPU 就用 GPU，没有就用 CPU。后面所有的模型和数据都会用 `.to(device)` 放到这个设备上，所以同一份代码在两种机器上都能运行。[第 07 课](../07-devices/index.md)会细讲设备。

# %%
import torch
from torch import nn
import matplotlib.pyplot as plt

device = "cuda" if torch.cuda.is_available() else "cpu"
print("torch", torch.__version__, "| device:", device)

# %% [markdown]
# ## 1. 准备数据
#
# 用已知的权重 (weight) 和偏置 (bias) 生成 50 个点。`unsqueeze(1)` 把形状变成 `[50, 1]`：每行一个样本，每个样本一个特征。

# %%
weight_true, bias_true = 0.6, 0.25

X = torch.arange(0, 1, 0.02).unsqueeze(1)
y = weight_true * X + bias_true
print(X.shape, y.shape)
print(X[:3].squeeze(), y[:3].squeeze())

# %% [markdown]
# ### 划分训练集和测试集
#
# 模型在训练集上学习，在**从没见过**的测试集上评估。这就像学生做练习题，再用考试检验：如果考题就是练习题，高分说明不了什么。
#
# 这里按 80/20 切分：前 40 个点训练，后 10 个点测试。我们的数据按 `x` 排好了序，所以测试集正好是训练范围**之外**的一段，模型必须把学到的直线“延长”出去。真实项目里通常先打乱 (shuffle) 再切分；如果数据有时间顺序（比如预测未来的房价），就应该像这里一样，用过去训练、用未来测试。

# %%
split = int(0.8 * len(X))
X_train, y_train = X[:split], y[:split]
X_test, y_test = X[split:], y[split:]
print(len(X_train), len(y_train), len(X_test), len(y_test))

# %% [markdown]
# 把四个张量都放到 `device` 上。注意张量的 `.to()` 返回一个**新**张量，必须赋值回去，只写 `X_train.to(device)` 什么也不会改变。

# %%
X_train, y_train = X_train.to(device), y_train.to(device)
X_test, y_test = X_test.to(device), y_test.to(device)
print(X_train.device, X_test.device)

# %% [markdown]
# ### 画图工具
#
# “多画图”是做机器学习的好习惯。下面的函数画出训练数据（蓝）、测试数据（绿），以及可选的模型预测（红）。matplotlib 只能读 CPU 内存里的数据，所以画图前要 `.cpu()`；在 CPU 上它什么也不做，在 GPU 上它把数据复制回来。

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
#| alt: 散点图：左边 40 个蓝点是训练数据，右边 10 个绿点是测试数据，它们都落在同一条上升的直线上
plot_predictions()

# %% [markdown]
# ## 2. 建立模型
#
# 和第 05 课一样，用两个 `nn.Parameter` 写一个线性回归模型。两个参数都从随机数开始；训练的目标是把它们推到 0.6 和 0.25 附近。

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
# 我们先在 CPU 上用固定的随机种子创建模型，再搬到 `device`。这样无论在哪台机器上运行，初始参数都相同。

# %% [markdown]
# ### 训练前先预测一次：`torch.inference_mode()`
#
# 做预测时不需要梯度，所以把前向计算放进 `torch.inference_mode()`：

# %%
with torch.inference_mode():
    y_preds = model_0(X_test)

print(y_preds.squeeze())
print("requires_grad:", y_preds.requires_grad, "| inference tensor:", y_preds.is_inference())

# %% [markdown]
# 为什么要关掉梯度？训练时，PyTorch 在前向计算中记录计算图，并保存反向传播要用的中间结果。预测时这些都是浪费的内存和时间。
#
# `torch.no_grad()` 也能关掉计算图，那为什么更推荐 `torch.inference_mode()`？它关得更彻底：除了不建计算图，还跳过了张量的版本计数 (version counter) 和视图 (view) 追踪这些自动求导的“记账”工作，所以更快、更省内存。代价是它产生的“推理张量”以后**不能**再参与需要求导的计算。纯预测时这正合适；如果你还要拿结果去参与训练（少见），就用 `no_grad()`。
#
# 看看随机参数的预测有多差：

# %%
#| alt: 训练前的预测：红点（模型预测）远低于绿色的测试数据，说明随机初始化的模型还什么都没学到
plot_predictions(y_preds, title="Before training")

# %% [markdown]
# ## 3. 损失函数与优化器
#
# - 损失函数：`nn.L1Loss`，即平均绝对误差 $\frac{1}{N}\sum |\hat y_i - y_i|$。
# - 优化器：`torch.optim.SGD`，学习率 `lr=0.01`，即每一步按 $\theta \leftarrow \theta - 0.01 \cdot \nabla_\theta L$ 更新全部参数。

# %%
loss_fn = nn.L1Loss()
optimizer = torch.optim.SGD(model_0.parameters(), lr=0.01)

# %% [markdown]
# ## 4. 训练循环与测试循环
#
# 每一轮 (epoch) 把整个训练集看一遍。数据只有 40 个点，一轮就是一步。每一轮做两件事：
#
# **训练**（`model.train()`）：
#
# 1. 前向计算：`y_pred = model(X_train)`；
# 2. 计算损失：`loss = loss_fn(y_pred, y_train)`；
# 3. 清空旧梯度：`optimizer.zero_grad()`；
# 4. 反向传播：`loss.backward()`；
# 5. 更新参数：`optimizer.step()`。
#
# **测试**（`model.eval()` + `torch.inference_mode()`）：在测试集上前向计算，算出测试损失。测试时**不**做 3–5 步：模型不能从测试集学习，否则测试就不公平了。
#
# 我们每 10 轮记录一次两种损失，用来画损失曲线。

# %%
epochs = 200
history = {"epoch": [], "train": [], "test": []}

for epoch in range(epochs):
    # --- 训练 ---
    model_0.train()
    y_pred = model_0(X_train)
    loss = loss_fn(y_pred, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    # --- 测试 ---
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
# 这个模型没有 Dropout 或 BatchNorm，`train()` / `eval()` 对它其实没有影响。但养成习惯很重要：以后的模型里有这些层，忘了切换就会得到错误的结果。
#
# `.item()` 把只有一个元素的张量变成 Python 数字。只在需要记录或打印时调用它：在 GPU 上，它要等 GPU 算完，并把数据复制回 CPU。

# %%
#| alt: 训练和测试的 L1 损失随轮数下降的曲线：前 20 轮下降最快，约 120 轮后两条曲线都贴近 0
plt.figure(figsize=(6, 4))
plt.plot(history["epoch"], history["train"], label="train loss")
plt.plot(history["epoch"], history["test"], label="test loss")
plt.xlabel("epoch")
plt.ylabel("L1 loss")
plt.title("Training and test loss")
plt.legend()
plt.show()

# %% [markdown]
# 两条曲线一起下降，说明模型学到的东西在没见过的数据上也成立。如果训练损失一直降、测试损失却开始上升，就是过拟合 (overfitting) 的信号。
#
# 学到的参数和真实值对比：

# %%
learned = model_0.state_dict()
print(f"weight: learned {learned['weight'].item():.4f} vs true {weight_true}")
print(f"bias:   learned {learned['bias'].item():.4f} vs true {bias_true}")

# %% [markdown]
# 已经很接近，但不会完全相等。L1 损失的梯度大小是固定的（只看误差的正负号），学习率又不变，所以参数最后会在最优值附近以大约 `lr` 的幅度来回跳动，而不是停下来。减小学习率，或者训练时逐渐减小学习率（学习率调度，[第 08 课](../08-optimizers/index.md)），都能让它更准。

# %% [markdown]
# ## 5. 用训练好的模型预测（推理）
#
# 推理 (inference) 的三条规矩：
#
# 1. `model.eval()`；
# 2. 在 `torch.inference_mode()` 里计算；
# 3. 模型和数据在同一个设备上。

# %%
model_0.eval()
with torch.inference_mode():
    y_preds = model_0(X_test)

print(y_preds.squeeze().cpu())

# %%
#| alt: 训练后的预测：红点几乎与绿色的测试数据重合
plot_predictions(y_preds, title="After training")

# %% [markdown]
# ## 6. 保存和加载模型
#
# 训练好的模型要保存下来，以后加载就能直接用，不必重新训练。推荐的做法是**只保存 `state_dict`**（参数名到张量的字典），而不是整个模型对象：
#
# - `torch.save(model.state_dict(), path)` 把字典写进文件；
# - 加载时先创建一个结构相同的新模型，再 `model.load_state_dict(torch.load(path, weights_only=True))`。
#
# 保存整个模型对象 (`torch.save(model, path)`) 也行，但文件里只记下了类的名字，加载时必须能找到一模一样的类定义；代码一重构，旧文件就打不开了。`state_dict` 只是数字，不依赖代码的组织方式。

# %%
torch.save(model_0.state_dict(), "model_0.pt")

state = torch.load("model_0.pt", weights_only=True, map_location=device)
print(type(state).__name__, list(state.keys()))

# %% [markdown]
# `map_location=device` 把张量直接加载到当前设备：在 GPU 上保存的文件也能在只有 CPU 的机器上打开。
#
# ### 为什么要写 `weights_only=True`
#
# `torch.save` 用的是 Python 的 pickle 格式。pickle 不只是数据：文件里可以写着“调用某个函数，参数是……”，**加载的那一刻**这个函数就会被执行。所以加载一个来历不明的 pickle 文件，等于运行了别人写的任意代码，比如删除文件、窃取密钥。
#
# 下面造一个无害的例子：一个对象在被加载时会调用 `print`。换成 `os.system` 就能执行任意命令。

# %%
class Sneaky:
    def __reduce__(self):
        # pickle 加载这个对象时，会调用 print(...) 并把返回值当作对象
        return (print, ("!!! this line was run by torch.load !!!",))


torch.save({"weight": torch.ones(1), "extra": Sneaky()}, "suspicious.pt")

# 故意用 weights_only=False 演示危险：只对自己生成、完全信任的文件才这样做
unsafe = torch.load("suspicious.pt", weights_only=False)
print("loaded:", unsafe)

# %% [markdown]
# 加载的时候，`print` 真的被执行了。而 `weights_only=True` 只允许张量、数字、字符串、列表、字典等“纯数据”，遇到函数调用就拒绝：

# %%
import pickle

try:
    torch.load("suspicious.pt", weights_only=True)
except pickle.UnpicklingError as error:
    reason = [line for line in str(error).splitlines() if "Unsupported global" in line][0]
    print("refused:", reason.strip().split(". ")[0])

# %% [markdown]
# 从 PyTorch 2.6 开始，`weights_only` 的默认值已经是 `True`，但仍建议显式写出来：读代码的人一眼就知道这里是安全的，旧版本的 PyTorch 也会照做。
#
# ### 加载并检查
#
# 创建一个**新的**模型实例（它的参数是新的随机数），装入保存的 `state_dict`，然后确认它的预测和原模型逐位相同：

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
# ## 7. 同一个模型，换成 `nn.Linear`
#
# 自己写 `weight * x + bias` 是为了看清原理。实际中直接用 `nn.Linear(in_features, out_features)`：它内部正是一个形状为 `(out, in)` 的权重矩阵和 `out` 个偏置，计算 $y = x W^\top + b$，而且自带合理的初始化。

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
# 训练和测试的步骤与上面完全一样，所以把它们写成函数，对任何模型都能用：

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
# `nn.Linear` 的初始参数离答案更远，所以我们多训练了 100 轮。结果同样接近真实的直线。

# %% [markdown]
# > **常见错误**：把 `state_dict` 加载进结构不同的模型。`state_dict` 按**名字和形状**对应参数：`model_0` 的参数叫 `weight`、`bias`，形状是 `(1,)`；`model_1` 的参数叫 `linear_layer.weight`（形状 `(1, 1)`）和 `linear_layer.bias`。名字对不上，`load_state_dict` 会报 `RuntimeError`，并列出缺少的键 (missing keys) 和多余的键 (unexpected keys)；名字对上但形状不同，则会报 `size mismatch`。遇到这个错误，先分别打印两边的 `state_dict().keys()` 和形状来对比。不要用 `strict=False` 草草了事：它会跳过对不上的参数，让模型悄悄保持随机值。

# %%
#| raises: RuntimeError
model_1.load_state_dict(torch.load("model_0.pt", weights_only=True, map_location=device))

# %% [markdown]
# ## 小结
#
# - 标准流程：准备数据 → 划分训练/测试集 → 建模 → 选损失函数和优化器 → 训练循环 + 测试循环 → 推理 → 保存/加载。
# - 训练一步：`model.train()`、前向、算损失、`zero_grad()`、`backward()`、`step()`。测试：`model.eval()` + `torch.inference_mode()`，只前向、不更新。
# - 测试集必须和训练集分开，它用来估计模型在新数据上的表现。训练损失和测试损失一起画出来，能看出模型是否在学、是否过拟合。
# - 预测用 `torch.inference_mode()`：比 `no_grad()` 更省，代价是结果不能再参与求导。
# - 保存 `state_dict` 而不是整个模型；加载用 `torch.load(path, weights_only=True, map_location=device)`。pickle 文件在加载时可以执行任意代码，不要对不可信的文件关掉 `weights_only`。
# - `device = "cuda" if torch.cuda.is_available() else "cpu"`，再把模型和数据都 `.to(device)`，同一份代码就能在 CPU 和 GPU 上运行；画图或转 NumPy 前先 `.cpu()`。
# - `nn.Linear` 是线性层的现成实现；`state_dict` 的键和形状必须与模型结构一致才能加载。

# %% [markdown]
# ## 练习
#
# **练习 1：换一条直线。** 用 $y = -1.2x + 0.8$ 在 `x ∈ [0, 2)`（步长 0.02）生成数据，按 80/20 划分，用 `nn.Linear(1, 1)`、`nn.L1Loss` 和 `SGD(lr=0.01)` 训练，直到学到的权重和偏置与真实值相差都不超过 0.05。整个过程要与设备无关。

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
# **练习 2：保存、加载、核对。** 把练习 1 训练好的模型的 `state_dict` 存到 `line.pt`，再加载进一个新的 `nn.Linear(1, 1)`。检查：加载出来的是普通字典、键是 `weight` 和 `bias`、每个张量都与原来相同、两个模型在测试集上的预测逐位相同。

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
# **练习 3：转换 `state_dict`。** 上面的“常见错误”里，`model_1`（`nn.Linear` 版）的 `state_dict` 无法直接装进 `LinearRegressionModel`。写一个函数 `linear_to_v0(sd)`，把 `linear_layer.weight`（形状 `(1, 1)`）和 `linear_layer.bias` 转成 `LinearRegressionModel` 需要的 `weight`、`bias`（形状都是 `(1,)`），加载后检查两个模型在测试集上的预测相同。

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
# **练习 4：找错误。** 同事的训练循环是这样写的：每一步先 `optimizer.step()`，再 `loss.backward()`，最后 `optimizer.zero_grad()`。训练 100 轮后参数会怎样？写出这个有错的版本和正确的版本，各从同样的初值训练 `model_0` 的一个新实例，验证有错的版本**一步也没有更新**参数，而正确的版本让训练损失下降了。提示：`step()` 时梯度在哪里？

# %%
#| solution: true
def buggy_epoch(model, optimizer):
    loss = loss_fn(model(X_train), y_train)
    optimizer.step()          # 此时梯度已被上一轮末尾清成 None：SGD 跳过这些参数
    loss.backward()
    optimizer.zero_grad()     # 刚算好的梯度还没用上就被清掉了
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
