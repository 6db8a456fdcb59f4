# ---
# title: 完整流程：数据、训练、验证、测试、保存与加载
# summary: 用一根弹簧的测量数据走完一遍 PyTorch 的标准流程：准备数据，划分训练集、验证集和测试集，建模，写训练循环和验证循环，用验证集挑选学习率，最后测试一次，再保存和加载 state_dict，并改用 nn.Linear。
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
# # 完整流程：数据、训练、验证、测试、保存与加载
#
# **学习目标**
#
# - 走完一个机器学习项目的标准流程：准备数据 → 划分 → 建模 → 训练与验证 → 测试 → 推理 → 保存与加载；
# - 把数据分成训练集 (training set)、验证集 (validation set) 和测试集 (test set)，说清楚每一份的用处，以及为什么测试集只能在最后用一次；
# - 写出训练循环 (training loop) 和验证循环，画出损失曲线，用验证损失挑选学习率；
# - 明白预测时为什么用 `torch.inference_mode()`；
# - 用 `torch.save` / `torch.load(..., weights_only=True)` 保存和加载 `state_dict`；知道 `torch.save(model)` 存下的文件为什么在 PyTorch 2.6 以后默认打不开，以及 `weights_only=True` 能挡住什么、挡不住什么；
# - 写出与设备无关 (device-agnostic) 的代码；
# - 用 `nn.Linear` 重写同一个模型。
#
# **前置知识**：[nn.Module、损失函数与优化器](../05-nn-module/index.md)。
#
# **预计时间**：40 分钟。
#
# 这一课的数据来自一个中学物理实验：在一根弹簧下挂不同质量的砝码，量出弹簧的长度。胡克定律 (Hooke's law) 说，在弹性限度内，弹簧的伸长和拉力成正比，所以长度是质量的一次函数：
#
# $$
# L = L_0 + s\,m
# $$
#
# $L_0$ 是不挂砝码时弹簧的长度（原长），$s$ 是每挂一千克弹簧伸长多少厘米。数据由我们自己生成，所以知道正确答案：$L_0 = 12$ cm，$s = 3.5$ cm/kg，每次测量再带上标准差 0.15 cm 的误差。模型不知道这两个数，要从测量里把它们学出来。流程和训练一个大网络完全相同，只是每一步都小到一眼能看清。

# %% [markdown]
# ## 0. 导入与设备
#
# 先导入要用的库，再决定在哪个设备上计算：有 GPU 就用 GPU，没有就用 CPU。后面所有的模型和数据都用 `.to(device)` 放到这个设备上，同一份代码在两种机器上都能运行。[第 07 课](../07-devices/index.md)会细讲设备。

# %%
import pickle

import torch
from torch import nn
import matplotlib.pyplot as plt

device = "cuda" if torch.cuda.is_available() else "cpu"
print("torch", torch.__version__, "| device:", device)

# %% [markdown]
# ## 1. 准备数据
#
# 在 0 到 2 kg 之间随机取 200 个质量，按胡克定律算出长度，再加上测量误差。所有随机数都来自同一个设了种子的生成器 `gen`，所以每次运行得到的数据完全相同。形状是 `[200, 1]`：每行一次测量，每次测量一个特征（质量）。

# %%
STRETCH_TRUE, REST_TRUE = 3.5, 12.0   # cm/kg 和 cm：模型要学出来的两个数
NOISE = 0.15                          # 测量误差的标准差，cm

gen = torch.Generator().manual_seed(6)
mass = 2.0 * torch.rand(200, 1, generator=gen)
length = REST_TRUE + STRETCH_TRUE * mass + NOISE * torch.randn(200, 1, generator=gen)
print(mass.shape, length.shape)
print(torch.cat([mass[:4], length[:4]], dim=1))   # 前 4 次测量：质量 (kg)、长度 (cm)

# %% [markdown]
# ### 划分：训练集、验证集、测试集
#
# 模型要在**没见过**的数据上表现好才算数。所以数据分成三份，各有各的用处：
#
# - **训练集**：用来算梯度、更新参数，模型只从这里学习；
# - **验证集**：训练过程中用来打分和做决定，比如学习率取多少、训练多少轮、选哪个模型；
# - **测试集**：所有决定都做完以后，只用**一次**，估计模型在新数据上的表现。
#
# 为什么不直接拿测试集做决定？因为每看一次分数、改一次设置，你就是在按这份数据调模型。试的设置越多，越可能挑中一个恰好在这几十个样本上运气好的，这时它的分数就不再代表“没见过的数据”，而是偏乐观了。验证集替测试集承担这件事：它可以被反复查看，也因此会慢慢“用旧”；测试集一直锁着，到最后才打开。
#
# 这批测量没有先后顺序，所以先打乱，再按 60% / 20% / 20% 切开。（如果数据有时间顺序，比如[第 04 课](../04-linear-regression/index.md)的房价，就要按时间切：用过去训练，用未来检验。）打乱用的还是 `gen`，所以每次切出的三份都一样。

# %%
order = torch.randperm(len(mass), generator=gen)
train_idx, val_idx, test_idx = order[:120], order[120:160], order[160:]

X_train, y_train = mass[train_idx].to(device), length[train_idx].to(device)
X_val, y_val = mass[val_idx].to(device), length[val_idx].to(device)
X_test, y_test = mass[test_idx].to(device), length[test_idx].to(device)
print(len(X_train), len(X_val), len(X_test), "| on", X_train.device)

# %% [markdown]
# 注意张量的 `.to()` 返回一个**新**张量，必须赋值回去；只写 `X_train.to(device)` 什么也不会改变。
#
# ### 画出来看看
#
# 训练之前先看数据，是个好习惯。下面的函数画出三份数据，传入模型时再画出模型的预测线。matplotlib 只能读 CPU 内存里的数据，所以画图前要 `.cpu()`：在 CPU 上它什么也不做，在 GPU 上它把数据复制回来。

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
#| alt: 散点图：横轴是质量（0 到 2 千克），纵轴是弹簧长度（约 12 到 19 厘米）。蓝色的训练点、橙色的验证点和绿色的测试点混在一起，都落在同一条上升的直线附近，上下略有抖动
show_fit()

# %% [markdown]
# 三种颜色的点交错在一起，都在同一条直线附近：随机划分让三份数据覆盖同样的质量范围。
#
# ## 2. 建立模型
#
# 和第 05 课一样，用两个 `nn.Parameter` 写一个模型。`stretch` 相当于直线的权重 (weight)，`rest` 相当于偏置 (bias)。两个参数都从随机数开始。

# %%
class SpringScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.stretch = nn.Parameter(torch.randn(1))   # 每千克伸长多少厘米
        self.rest = nn.Parameter(torch.randn(1))      # 不挂砝码时的长度

    def forward(self, m):
        return self.rest + self.stretch * m


torch.manual_seed(0)
scale = SpringScale().to(device)
print(scale.state_dict())

# %% [markdown]
# 模型先在 CPU 上按固定的种子创建，再搬到 `device`：无论在哪台机器上运行，初始参数都一样。
#
# ### 训练前先预测一次：`torch.inference_mode()`
#
# 预测时不需要梯度，所以把前向计算放进 `torch.inference_mode()`：

# %%
with torch.inference_mode():
    guess = scale(X_val)

print("predicted:", guess[:3].squeeze(1).cpu())
print("measured: ", y_val[:3].squeeze(1).cpu())
print("requires_grad:", guess.requires_grad, "| inference tensor:", guess.is_inference())

# %% [markdown]
# 为什么要关掉梯度？训练时，PyTorch 一边做前向计算一边记录计算图，还要保存反向传播用的中间结果。只做预测时，这些都是白花的时间和内存。
#
# `torch.no_grad()` 也不记录计算图，`torch.inference_mode()` 则更进一步：它连张量的版本计数 (version counter) 和视图 (view) 追踪这些给自动求导记的账也省掉了，所以更快、更省内存。代价是它产生的“推理张量”以后**不能**再参与需要求导的计算。单纯预测时这正合适；如果预测结果还要拿去参与训练（少见），就用 `no_grad()`。
#
# 随机参数的预测和真实长度差得很远：

# %%
#| check: 0 < scale.stretch.item() < STRETCH_TRUE and (scale.rest + 2 * scale.stretch).item() < REST_TRUE
#| alt: 训练前的模型：一条缓缓上升的红线位于图的底部，远低于沿直线上升的蓝、橙、绿三色测量点
show_fit(scale, title="Before training")

# %% [markdown]
# ## 3. 损失函数与优化器
#
# - 损失函数：`nn.MSELoss`，均方误差。测量误差的标准差是 0.15 cm，所以即使参数完全正确，均方误差也在 $0.15^2 = 0.0225$ 左右，不可能降到 0；
# - 优化器：`torch.optim.SGD`，学习率先取 `lr=0.1`，第 5 节再用验证集来挑。

# %%
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(scale.parameters(), lr=0.1)

# %% [markdown]
# ## 4. 训练循环与验证循环
#
# 把整个训练集看一遍叫一轮 (epoch)。这里的训练集只有 120 个样本，一次就能算完，所以一轮就是一步。每一轮做两件事：
#
# **训练**（`model.train()`）：前向计算、算损失、`optimizer.zero_grad()`、`loss.backward()`、`optimizer.step()`。
#
# **验证**（`model.eval()` + `torch.inference_mode()`）：在验证集上前向计算，算出验证损失。验证时**不**清梯度、不反向传播、不更新参数：模型不能从验证集学习，否则它的分数就不公平了。
#
# 把这两件事写成一个函数，后面会反复用到：

# %%
def run_epochs(model, optimizer, epochs):
    history = {"train": [], "val": []}
    for epoch in range(epochs):
        model.train()                                   # 训练：只用训练集
        loss = loss_fn(model(X_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        model.eval()                                    # 验证：只打分，不更新
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
# 第 0 轮的训练损失 {{ first_train:.1f }} 是在参数更新**之前**算的，验证损失 {{ first_val:.1f }} 是在更新**之后**算的，所以一开始验证损失反而低。这个模型没有 Dropout 或 BatchNorm，`train()` / `eval()` 对它其实没有影响，但要养成习惯：以后的模型里有这些层，忘了切换就会得到错误的结果。
#
# `.item()` 把只有一个元素的张量变成 Python 数字。只在需要记录或打印时调用它：在 GPU 上，它要等 GPU 算完，再把数据复制回 CPU。

# %%
#| check: 100 < history["train"][0] < 300 and 10 < history["val"][0] < 100
#| check: history["train"][10] < 10 and history["val"][10] < 10
#| check: 0.02 < history["train"][-1] < 0.04 and 0.02 < history["val"][-1] < 0.04
#| check: all(0.5 < t / v < 2 for t, v in zip(history["train"][5:], history["val"][5:]))
#| alt: 训练损失和验证损失随轮数变化的曲线，纵轴是对数刻度：训练损失从两百左右、验证损失从几十开始，十轮之内都降到 10 以下，随后一起稳步下降，150 轮时都在 0.03 左右，两条线一直贴得很近
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
# 两条曲线一起下降，说明模型在训练集上学到的东西在验证集上也成立。如果训练损失还在降、验证损失却开始上升，就是过拟合 (overfitting) 的信号：模型开始记住训练样本的噪声了。
#
# 学到的参数和真实值对比：

# %%
#| glue: stretch_01 = scale.stretch.item()
#| glue: rest_01 = scale.rest.item()
#| check: 0.05 < abs(scale.stretch.item() - STRETCH_TRUE) < 0.5 and 0.05 < abs(scale.rest.item() - REST_TRUE) < 0.5
print(f"stretch: learned {scale.stretch.item():.3f} cm/kg, true {STRETCH_TRUE}")
print(f"rest:    learned {scale.rest.item():.3f} cm,    true {REST_TRUE}")

# %% [markdown]
# 已经接近 3.5 和 12，但还差一点（{{ stretch_01:.2f }} 和 {{ rest_01:.2f }}）：150 轮还不够它走完全程。是多训练几轮，还是换个学习率？这正是要靠验证集来回答的问题。
#
# ## 5. 用验证集做选择
#
# 从同样的初始参数出发，用三个学习率各训练 150 轮，比较最后的验证损失，选最低的那个：

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
# `lr=0.01` 太慢，150 轮后验证损失还有 {{ val_slow:.2f }}；`lr=0.1` 降到了 {{ val_01:.4f }}；`lr=0.3` 最低，{{ val_03:.4f }}，已经到了测量误差决定的下限附近（约 0.0225）。于是选 `lr={{ best_lr }}`。学习率也不能无限加大：超过某个上限，训练就会发散，[第 08 课](../08-optimizers/index.md)会算出这个上限。
#
# 决定做完了，现在才打开测试集，而且只用这一次：

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
# 在 40 个从没参与过任何决定的测量上，典型误差约 {{ test_rmse:.2f }} cm，和测量误差 0.15 cm 是一个量级：模型学到了规律，剩下的是量不准的部分。学到的参数是 {{ stretch_best:.2f }} cm/kg 和 {{ rest_best:.2f }} cm。这个测试分数就是我们向别人报告的数字；如果看了它再回头改模型，它就和验证分数一样“用旧”了。
#
# ## 6. 用训练好的模型预测（推理）
#
# 推理 (inference) 有三条规矩：
#
# 1. `model.eval()`；
# 2. 在 `torch.inference_mode()` 里计算；
# 3. 模型和数据在同一个设备上。
#
# 比如预测挂 0、0.5、1.5 kg 时弹簧有多长：

# %%
new_masses = torch.tensor([[0.0], [0.5], [1.5]], device=device)
model.eval()
with torch.inference_mode():
    predicted = model(new_masses)
print(predicted.squeeze(1).cpu())

# %%
#| check: abs(model.stretch.item() - STRETCH_TRUE) < 0.05 and abs(model.rest.item() - REST_TRUE) < 0.05
#| alt: 训练后的模型：红色的直线穿过蓝、橙、绿三色测量点的中间，与它们的走势一致
show_fit(model, title="After training")

# %% [markdown]
# ## 7. 保存和加载模型
#
# 训练好的模型要保存下来，以后加载就能用，不必重新训练。推荐的做法是**只保存 `state_dict`**：
#
# - `torch.save(model.state_dict(), path)` 把“参数名 → 张量”的字典写进文件；
# - 加载时先创建一个结构相同的新模型，再 `model.load_state_dict(torch.load(path, weights_only=True))`。

# %%
torch.save(model.state_dict(), "spring.pt")

state = torch.load("spring.pt", weights_only=True, map_location=device)
print(type(state).__name__, list(state.keys()))

# %% [markdown]
# `map_location=device` 把张量直接放到当前设备上：在 GPU 上保存的文件，也能在只有 CPU 的机器上打开。
#
# ### `weights_only=True` 挡住了什么
#
# `torch.save` 写的是 Python 的 pickle 格式。pickle 文件里不只有数据，还可以写着“调用某个函数，参数是……”，**加载的那一刻**这个函数就会被执行。所以加载一个来历不明的 pickle 文件，就等于运行了别人写的代码。
#
# 下面造一个无害的例子：一个对象在被加载时会调用 `print`。把 `print` 换成 `os.system`，就能执行任何命令。

# %%
class Trap:
    def __reduce__(self):
        # pickle 加载这个对象时，会调用 print(...)，并把它的返回值当作这个对象
        return (print, ("*** torch.load just ran code from the file ***",))


torch.save({"stretch": torch.ones(1), "note": Trap()}, "untrusted.pt")

# 故意用 weights_only=False 演示危险：只对自己写出、完全信任的文件才能这样做
opened = torch.load("untrusted.pt", weights_only=False)
print("loaded:", opened)

# %% [markdown]
# 加载的时候，`print` 真的被执行了。`weights_only=True` 只允许张量、数字、字符串、列表、字典等“纯数据”，遇到函数调用就拒绝：

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
# 从 PyTorch 2.6 起，`weights_only` 的默认值才是 `True`；在 2.4 和 2.5 上默认仍是 `False`（只给出一个 `FutureWarning`），不写就会照常执行文件里的代码。所以要显式写出来：读代码的人一眼就知道这里只读数据，每个版本的 PyTorch 也都会照做。
#
# 它能挡住“加载时执行代码”这一类攻击，但不等于文件可信：文件里的数值本身可能被人动过手脚（比如一个被植入后门的模型），解析文件的代码也可能有漏洞，早期版本的 `weights_only=True` 就被发现过可以绕过的漏洞（2.6 修复）。所以来历不明的文件，就算用 `weights_only=True` 打开，也要先确认来源，比如核对发布者给出的哈希值。
#
# ### `torch.save(model)` 为什么不推荐
#
# 也可以把整个模块对象存下来：`torch.save(model, path)`。文件能写出来，可是用 `weights_only=True`（2.6 起的默认值）的 `torch.load` 打不开它，因为文件里引用了一个类，而类不在“纯数据”的白名单里。连 PyTorch 自己的 `nn.Linear` 也不行：

# %%
#| check: refused
torch.save(nn.Linear(1, 1), "whole_module.pt")    # 存整个模块对象，而不只是 state_dict
try:
    torch.load("whole_module.pt", weights_only=True)   # 2.6 起不写也是 True；2.4、2.5 默认是 False
    refused = False
except pickle.UnpicklingError as error:
    refused = True
    reason = [line for line in str(error).splitlines() if "Unsupported global" in line][0]
    print("refused:", reason.strip().split(". ")[0])

whole = torch.load("whole_module.pt", weights_only=False)   # 只因为这个文件是我们自己刚写的
print("with weights_only=False:", whole)

# %% [markdown]
# 要打开它，就得写 `weights_only=False`，也就是把上面的防护整个关掉，这只能用在自己写出的文件上（或者用 `torch.serialization.add_safe_globals` 把你信任的类逐个加进白名单）。还有第二个问题：文件里记下的只是类的**名字**和它所在的模块，加载时必须能找到一模一样的类定义，代码一重构，旧文件就打不开了。`state_dict` 只是数字，不依赖代码怎么组织。所以：保存 `state_dict`。
#
# ### 加载并检查
#
# 创建一个**新的**模型（它的参数是新的随机数），装入保存的 `state_dict`，再确认它的预测和原模型逐位相同：

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
# ## 8. 同一个模型，换成 `nn.Linear`
#
# 自己写 `rest + stretch * m` 是为了看清原理。实际中直接用 `nn.Linear(in_features, out_features)`：它内部就是一个形状为 `(out, in)` 的权重矩阵和 `out` 个偏置，计算 $y = x W^\top + b$，还自带合理的初始化。

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
# 训练用的还是 `run_epochs`，学习率用第 5 节选出的那个：

# %%
#| glue: val_linear = history_linear["val"][-1]
#| check: history_linear["val"][-1] < 1.5 * NOISE ** 2
history_linear = run_epochs(linear_scale, torch.optim.SGD(linear_scale.parameters(), lr=best_lr), epochs=150)
w = linear_scale.layer.weight.item()
b = linear_scale.layer.bias.item()
print(f"validation MSE {history_linear['val'][-1]:.4f}")
print(f"weight {w:.3f} (true {STRETCH_TRUE}), bias {b:.3f} (true {REST_TRUE})")

# %% [markdown]
# 验证损失是 {{ val_linear:.4f }}，和自己写的版本一样到了测量误差的下限附近。两个模型算的是同一件事，只是参数的名字和形状不同，这一点马上就会带来麻烦。

# %% [markdown]
# > **常见错误**：把 `state_dict` 加载进结构不同的模型。`state_dict` 按**名字和形状**对应参数：`SpringScale` 的参数叫 `stretch`、`rest`，形状是 `(1,)`；`SpringLinear` 的参数叫 `layer.weight`（形状 `(1, 1)`）和 `layer.bias`。名字对不上，`load_state_dict` 会报 `RuntimeError`，列出缺少的键 (missing keys) 和多余的键 (unexpected keys)；名字对上而形状不同，报 `size mismatch`。遇到它，先把两边的 `state_dict().keys()` 和形状打印出来对比。不要用 `strict=False` 草草了事：它会跳过对不上的参数，让模型悄悄留着随机值。

# %%
#| raises: RuntimeError
linear_scale.load_state_dict(torch.load("spring.pt", weights_only=True, map_location=device))

# %% [markdown]
# ## 小结
#
# - 标准流程：准备数据 → 划分训练集、验证集、测试集 → 建模 → 选损失函数和优化器 → 训练循环 + 验证循环 → 用验证集做决定 → 在测试集上评估一次 → 推理 → 保存和加载。
# - 训练集用来更新参数；验证集用来打分和做决定，可以反复看；测试集只在最后用一次，它的分数才是对新数据的公正估计。
# - 训练一步：`model.train()`、前向、算损失、`zero_grad()`、`backward()`、`step()`。验证：`model.eval()` + `torch.inference_mode()`，只前向、不更新。训练和验证损失画在一起，能看出模型是否在学、是否过拟合。
# - 预测用 `torch.inference_mode()`：比 `no_grad()` 更省，代价是结果不能再参与求导。
# - 保存 `state_dict`；加载用 `torch.load(path, weights_only=True, map_location=device)`。`torch.save(model)` 存下的文件在 2.6 以后默认打不开，只能关掉 `weights_only` 才能读，不要这样对待别人的文件。`weights_only=True` 挡住加载时执行代码，但不保证文件可信。
# - `device = "cuda" if torch.cuda.is_available() else "cpu"`，再把模型和数据都 `.to(device)`，同一份代码就能在 CPU 和 GPU 上运行；画图或转 NumPy 前先 `.cpu()`。
# - `nn.Linear` 是线性层的现成实现；`state_dict` 的键和形状必须与模型结构一致才能加载。

# %% [markdown]
# ## 练习
#
# **练习 1：另一根弹簧。** 一根更软的弹簧：原长 20 cm，每千克伸长 2 cm，测量误差 0.2 cm，质量在 0 到 3 kg 之间，共 150 次测量。用种子为 0 的生成器生成数据并打乱，按 60/20/20 划分，用 `SpringLinear`、`nn.MSELoss` 和 `SGD(lr=0.1)` 训练 500 轮。检查学到的两个参数与真实值相差都不到 0.1，最后在测试集上算一次均方根误差，它应小于 0.3 cm。整个过程要与设备无关。

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
# **练习 2：保存、加载、核对。** 把练习 1 训练好的模型的 `state_dict` 存进 `soft_spring.pt`，再加载进一个新的 `SpringLinear`。检查：加载出来的是普通字典，键是 `layer.weight` 和 `layer.bias`，每个张量都和原来相同，两个模型对 `m2[te]` 的预测逐位相同。

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
# **练习 3：转换 `state_dict`。** 上面的“常见错误”里，`SpringLinear` 的 `state_dict` 不能直接装进 `SpringScale`。写一个函数 `linear_to_scale(sd)`，把 `layer.weight`（形状 `(1, 1)`）和 `layer.bias` 转成 `SpringScale` 要的 `stretch`、`rest`（形状都是 `(1,)`）。加载后检查两个模型在测试集上的预测相同。

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
# **练习 4：找错误。** 同事的训练循环每一轮先 `optimizer.step()`，再 `loss.backward()`，最后 `optimizer.zero_grad()`。训练 100 轮后参数会怎样？写出这个有错的版本和正确的版本，各从同样的初始参数训练一个新的 `SpringScale`，验证有错的版本**一次也没有更新**参数，而正确的版本让训练损失降到了原来的五分之一以下。提示：`step()` 的时候，梯度在哪里？

# %%
#| solution: true
def buggy_epoch(model, optimizer):
    loss = loss_fn(model(X_train), y_train)
    optimizer.step()          # 这时梯度已在上一轮末尾被清成 None：SGD 跳过这些参数
    loss.backward()
    optimizer.zero_grad()     # 刚算好的梯度还没用上就被清掉了
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
