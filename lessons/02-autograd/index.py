# ---
# title: 自动求导 (autograd)
# summary: 让 PyTorch 替你算梯度：requires_grad、动态计算图、backward、梯度累加、no_grad 与 detach，最后手写一步梯度下降。
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
# # 自动求导 (autograd)
#
# **学习目标**
#
# - 用 `requires_grad=True` 让 PyTorch 记录运算，理解计算图 (computation graph) 和 `grad_fn`；
# - 明白"动态图"的意思：计算图是运行时一边算一边建的，所以普通的 `if`、`for`、`while` 都能用；
# - 对标量调用 `backward()` 求梯度，从 `.grad` 里读出结果；
# - 知道梯度会累加，以及什么时候、怎样清零；
# - 知道对非标量调用 `backward()` 为什么会报错，怎样改；
# - 用 `torch.no_grad()` 和 `.detach()` 把某些计算排除在求导之外，并用它们手写一步梯度下降。
#
# **前置知识**：[张量](../01-tensors/index.md)。知道导数是"函数在某点的变化率"就够了。
#
# **预计时间**：30 分钟

# %% [markdown]
# ## 为什么需要自动求导
#
# 训练神经网络，说到底就是反复调整参数，让损失 (loss) 变小。往哪个方向调、调多少，要看损失对每个参数的导数，也就是梯度 (gradient)。一个模型动辄几百万个参数，手工推导每个导数既不现实，也很容易出错。
#
# PyTorch 的自动求导 (autograd) 替我们做这件事：前向计算时，它把每一步运算记下来；需要梯度时，再沿着记录从结果往回走，用链式法则算出每个参数的梯度。这个"往回走"的过程叫反向传播 (backpropagation)，它背后的数学留到下一课[反向传播](../03-backprop/index.md)。这一课先学会用它。

# %%
import torch
import matplotlib.pyplot as plt

print(torch.__version__)

# %% [markdown]
# ## requires_grad：告诉 PyTorch 要记录
#
# 创建张量时加上 `requires_grad=True`，PyTorch 就会记录所有用到它的运算。我们算一个简单的函数 $y = x^2 + 2x$：

# %%
x = torch.tensor(3.0, requires_grad=True)
y = x ** 2 + 2 * x
print(x)
print(y)
print(x.requires_grad, y.requires_grad)

# %% [markdown]
# `y` 的打印结果里多了 `grad_fn=<AddBackward0>`：它记得自己是由一次加法得到的。由需要梯度的张量算出来的结果，自动也需要梯度，所以 `y.requires_grad` 也是 `True`。
#
# 注意 `requires_grad` 只对浮点（和复数）张量有意义：整数不能求导，`torch.tensor(3, requires_grad=True)` 会报错。
#
# ## 计算图和 grad_fn
#
# 每个算出来的张量都在 `grad_fn` 里记着"我是被哪个运算产生的"，而这个运算又通过 `next_functions` 指向它的输入。顺着这些链接往回走，就得到一张计算图。我们写一个小函数把它打印出来：

# %%
def walk(fn, depth=0):
    # 从 fn 出发，沿计算图一直走到叶子，每深一层多缩进一格
    print("  " * depth + fn.name().split("::")[-1])
    for child, _ in fn.next_functions:
        if child is not None:
            walk(child, depth + 1)

print(x.is_leaf, x.grad_fn)
print(y.is_leaf)
walk(y.grad_fn)

# %% [markdown]
# 读法是从上往下、从结果到输入：`y` 来自一次加法 (`AddBackward0`)；加法的两个输入分别来自乘方 (`PowBackward0`) 和乘法 (`MulBackward0`)；它们最终都通向 `AccumulateGrad`，这个节点负责把梯度存进 `x.grad`。
#
# 像 `x` 这样由我们直接创建、不是算出来的张量叫叶子 (leaf)，它的 `grad_fn` 是 `None`。模型的参数都是叶子，我们想要的也正是叶子的梯度。常数 `2` 不需要梯度，所以图里没有它。
#
# ## backward()：求梯度
#
# 在结果上调用 `backward()`，PyTorch 就沿着这张图往回算，把 $\frac{dy}{dx}$ 存进 `x.grad`。手算一下：$\frac{dy}{dx} = 2x + 2$，在 $x = 3$ 处等于 8。

# %%
y.backward()
print(x.grad)
print(2 * 3.0 + 2)   # 手算的结果

# %% [markdown]
# 两者一致。有三点要记住：
#
# 1. 梯度只存在叶子的 `.grad` 里；中间结果（比如 `y`）的 `.grad` 默认不保留。
# 2. `backward()` 做完后，为了省内存，PyTorch 会释放这张图里为求导保存的中间值。想再求一次，就重新做一遍前向计算。（确实需要在同一张图上反向两次时，可以传 `retain_graph=True`，但很少用到。）
# 3. 不需要梯度的张量，比如输入数据，`.grad` 始终是 `None`。
#
# 再看一个更像机器学习的例子：一个参数为 $w$、$b$ 的直线模型，对一个样本算平方误差，然后求损失对两个参数的梯度。

# %%
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)
x_in = torch.tensor(4.0)        # 输入数据，不需要梯度
target = torch.tensor(10.0)

pred = w * x_in + b             # 2 * 4 - 1 = 7
loss = (pred - target) ** 2     # (7 - 10)^2 = 9
loss.backward()
print(loss.item(), w.grad, b.grad, x_in.grad)

# %% [markdown]
# 用链式法则验证：$\frac{\partial L}{\partial \text{pred}} = 2(\text{pred} - \text{target}) = -6$，所以 $\frac{\partial L}{\partial w} = -6 \cdot x = -24$，$\frac{\partial L}{\partial b} = -6$。两个梯度都是负的，意思是把 $w$ 和 $b$ 调大，损失会下降，这也符合直觉：预测值 7 比目标 10 小。
#
# ## 动态图：直接用 Python 的控制流
#
# PyTorch 的计算图不是事先定义好的，而是**每次运行前向代码时现场建出来的**，这叫动态图 (dynamic graph)。运行了哪些运算，图里就有哪些运算。
#
# 这带来一个很大的好处：前向计算里可以随意使用 Python 的 `if`、`for`、`while`，甚至根据数据的值决定算几步。早期一些框架（比如 TensorFlow 1.x）要先画好一张固定的图再喂数据，条件和循环都得用框架提供的特殊算子来写，调试起来很痛苦。
#
# 下面这个函数不断把输入翻倍，直到绝对值不小于 10，最后取绝对值。循环几次、走哪个分支，都取决于 `x` 的值：

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
    while y.abs() < 10:   # 循环次数取决于 x 的值
        y = y * 2
        steps += 1
    if y > 0:             # 走哪个分支也取决于 x 的值
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
# 每次调用，PyTorch 只记录实际执行了的那些乘法，所以梯度总是对的：翻倍 $n$ 次，$y = \pm 2^n x$，导数就是 $\pm 2^n$。$x = 1.5$ 翻倍 {{ n_a }} 次，导数是 {{ d_a:g }}；$x = 0.3$ 翻倍 {{ n_b }} 次，导数是 {{ d_b:g }}；$x = -0.7$ 翻倍 {{ n_c }} 次后取了相反数，导数是 {{ d_c:g }}。
#
# ## 梯度会累加
#
# > **常见错误**：忘了清零梯度。`backward()` 不会覆盖 `.grad`，而是把新算出的梯度**加**到原有的值上。下面对 $y = x^2$ 在 $x = 3$ 处连续求三次导数，正确答案每次都是 6，但 `x.grad` 却越来越大。

# %%
x = torch.tensor(3.0, requires_grad=True)
for i in range(3):
    y = x ** 2      # 每次都重新做前向计算，建一张新图
    y.backward()
    print(f"after backward #{i + 1}: x.grad = {x.grad.item()}")

# %% [markdown]
# 为什么要设计成累加？先排除一个常见的误解：一个参数在模型里用了好几次，**不**需要靠 `.grad` 的累加。在同一次 `backward()` 里，autograd 沿图往回走时就把各条路径的梯度加好了，最后只往 `.grad` 里写一次。下面的 `w` 经过两条路径影响 `y`，导数是 $3 + 2w$：

# %%
#| glue: grad_two_paths = w.grad.item()
w = torch.tensor(2.0, requires_grad=True)
y = w * 3 + w ** 2      # w 经过两条路径：一次乘法，一次乘方
y.backward()            # 只调用一次
print(w.grad)           # 3 + 2 * 2

# %% [markdown]
# 只调用了一次 `backward()`，`w.grad` 就已经是两条路径之和 {{ grad_two_paths:g }}。
#
# 累加真正的用处在**几次分开的** `backward()` 之间。一批数据太大、内存或显存放不下时，可以把它切成几个小批 (micro-batch)，逐个做前向计算和反向传播，梯度在 `.grad` 里加起来，最后只更新一次参数。这叫梯度累积 (gradient accumulation)。只要把每个小批的损失除以小批的个数，累积出的梯度就和整批一次算出的完全相同：

# %%
#| glue: full_batch_grad = full.item()
x_big = torch.tensor([1.0, 2.0, 3.0, 4.0])
y_big = torch.tensor([2.0, 4.5, 5.5, 8.0])
w = torch.tensor(1.0, requires_grad=True)

((w * x_big - y_big) ** 2).mean().backward()          # 整批一次反向传播
full = w.grad.clone()

w.grad = None
for xs, ys in [(x_big[:2], y_big[:2]), (x_big[2:], y_big[2:])]:   # 两个小批
    micro_loss = ((w * xs - ys) ** 2).mean() / 2       # 除以小批的个数 2
    micro_loss.backward()                              # 梯度加进 w.grad
print("whole batch:", full.item(), " two micro-batches:", w.grad.item())
print("same gradient:", torch.allclose(full, w.grad))

# %% [markdown]
# 两种做法得到的梯度都是 {{ full_batch_grad:.2f }}。第 05 课和第 08 课用优化器训练时，梯度累积就是“每个小批都 `backward()`，攒够几个小批才 `step()` 和 `zero_grad()`”。
#
# 代价是：普通的训练循环里，每一步都必须先清掉上一步的梯度。写法有两种：`x.grad = None`（直接丢掉，下次 `backward()` 时重新创建）或 `x.grad.zero_()`（原地填 0）。以后用优化器时，`optimizer.zero_grad()` 会替所有参数做这件事，它默认用的就是设为 `None` 的做法。

# %%
#| glue: grad_each = x.grad.item()
for i in range(3):
    x.grad = None   # 先清掉上一次的梯度
    y = x ** 2
    y.backward()
    print(f"after backward #{i + 1}: x.grad = {x.grad.item()}")

# %% [markdown]
# 这次每一步都是 {{ grad_each:g }}。
#
# ## 对非标量调用 backward()
#
# 到目前为止，我们都是在一个**标量**（0 维张量）上调用 `backward()`。损失函数本来就输出一个数，所以训练时这是常态。
#
# > **常见错误**：在向量上直接调用 `backward()`。`y = x ** 2` 对三个元素的 `x` 得到三个元素的 `y`。这时"$y$ 对 $x$ 的导数"是一个 3×3 的雅可比矩阵 (Jacobian)，而不是一个梯度向量。PyTorch 不会替你猜想要哪一个，于是报 `RuntimeError: grad can be implicitly created only for scalar outputs`。

# %%
#| raises: RuntimeError
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2          # y 是向量，不是标量
y.backward()

# %% [markdown]
# 改法有两种。最常见的是先把输出归约成一个标量，比如求和或求平均，再反向传播。另一种是给 `backward()` 传一个和 `y` 形状相同的 `gradient` 参数 $v$，PyTorch 算的是加权和 $\sum_i v_i y_i$ 的梯度，也就是向量-雅可比积 (vector-Jacobian product)：
#
# $$\text{x.grad}_j = \sum_i v_i \frac{\partial y_i}{\partial x_j}$$
#
# `y.sum().backward()` 其实就是 $v$ 全为 1 的特例。

# %%
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
y.sum().backward()
print(x.grad)       # 每个元素的导数 2 * x_i

x.grad = None
y = x ** 2          # 上一张图已经用过了，重新前向计算
y.backward(gradient=torch.tensor([1.0, 0.1, 0.01]))
print(x.grad)       # 2 * x_i 再乘以各自的权重 v_i

# %% [markdown]
# ## 用图检验：sin(x) 的导数
#
# 上面的技巧还能一次求出函数在很多点上的导数。$y_i = \sin(x_i)$ 只依赖 $x_i$，所以 $\sum_i y_i$ 对 $x_i$ 的偏导就是 $\sin$ 在 $x_i$ 处的导数。我们在 $[-2\pi, 2\pi]$ 上取 200 个点：

# %%
x = torch.linspace(-2 * torch.pi, 2 * torch.pi, 200, requires_grad=True)
y = torch.sin(x)
y.sum().backward()
print(x.grad.shape)

# %% [markdown]
# 接下来想把 `y` 交给 matplotlib 画图，这就需要先把它变成 NumPy 数组。
#
# > **常见错误**：对需要梯度的张量直接调用 `.numpy()`。`.numpy()` 得到的数组和张量共享内存，而在 NumPy 那一侧做的修改，autograd 完全看不见，梯度可能因此悄悄出错。所以 PyTorch 干脆拒绝，报 `RuntimeError`。正确写法是先 `.detach()` 得到一个脱离计算图的张量，再 `.numpy()`。

# %%
#| raises: RuntimeError
y.numpy()

# %%
#| alt: 一条曲线图：蓝色实线是 sin(x)，一条粗的半透明橙线是手算的 cos(x)，绿色虚线是 autograd 求出的导数，虚线与粗线完全重合
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
# autograd 给出的导数（虚线）和我们熟悉的 $\cos x$（粗线）完全重合，`allclose` 也确认了这一点。`x.grad` 本身不需要梯度，所以可以直接 `.numpy()`。
#
# ## torch.no_grad() 和 .detach()：不要记录
#
# 记录计算图要花时间，还要占内存来保存反向传播需要的中间值。有两类计算不需要它：
#
# 1. **评估和推理**：用训练好的模型做预测时不会再反向传播，记录图纯属浪费。
# 2. **更新参数**：`w = w - lr * grad` 这一步本身不是模型的一部分，不应该被记进图里。
#
# 在 `with torch.no_grad():` 里面做的运算不会被记录，结果不需要梯度：

# %%
w = torch.tensor(2.0, requires_grad=True)
with torch.no_grad():
    z = w * 3
print(z, z.requires_grad, z.grad_fn)

z = w * 3           # 出了 with 块，又恢复记录
print(z.requires_grad)

# %% [markdown]
# 专门做推理时，还可以用更严格、也更快一点的 `torch.inference_mode()`，后面的课程在评估模型时会用它。
#
# `.detach()` 作用在单个张量上：它返回一个和原张量共享数据、但脱离了计算图的新张量。它的常见用途有三个：转成 NumPy（上面已经用过）、记录或打印数值、以及让梯度"到此为止"，把某个量当作常数。看下面的例子：

# %%
x = torch.tensor(3.0, requires_grad=True)
y = x * x.detach()  # 第二个因子被当作常数 3
y.backward()
print(x.grad)       # 结果是 3，而不是 x * x 的导数 6

# %% [markdown]
# `x * x` 的导数本来是 $2x = 6$，但第二个 `x` 被 `detach()` 当作了常数 3，所以只剩 $3$。
#
# ## 旧写法：Variable 和 .data
#
# 在 2018 年的 PyTorch 0.4 之前，张量自己不会求导，必须用 `torch.autograd.Variable` 把它包起来，再通过 `.data` 取出里面的张量，所以很多老教程满篇都是 `Variable(...)`。从 0.4 起，`Variable` 和张量合并了：张量本身就能带 `requires_grad`。`Variable` 这个名字为了兼容还留着，但调用它只会返回一个普通张量，新代码里不要再用它，直接写 `torch.tensor(..., requires_grad=True)`。
#
# 老代码里还常见 `w.data -= lr * w.grad` 这种更新参数的写法。`.data` 会绕过 autograd 的安全检查：如果被改的值恰好是反向传播还要用的，PyTorch 不会报错，只会悄悄算出错误的梯度。今天请用 `with torch.no_grad():` 来做这类更新。
#
# ## 手写一步梯度下降
#
# 现在把学到的东西串起来。数据由 $y = 2.5x$ 生成，我们假装不知道 2.5，从 $w = 0$ 出发，用均方误差 (MSE) 作损失
#
# $$L(w) = \frac{1}{n}\sum_{i=1}^{n} (w x_i - y_i)^2$$
#
# 梯度下降的更新规则是 $w \leftarrow w - \eta \frac{dL}{dw}$，其中 $\eta$ 是学习率 (learning rate)。先仔细走一步：

# %%
#| glue: w_one_step = w.item()
x_data = torch.tensor([1.0, 2.0, 3.0, 4.0])
y_data = 2.5 * x_data          # 真实的 w 是 2.5
w = torch.tensor(0.0, requires_grad=True)
lr = 0.02

loss = ((w * x_data - y_data) ** 2).mean()
loss.backward()
print(f"loss = {loss.item():.4f}, dL/dw = {w.grad.item():.4f}")

with torch.no_grad():
    w -= lr * w.grad           # 沿负梯度方向走一小步
w.grad = None                  # 清零，为下一步做准备
print(f"w after one step = {w.item():.4f}")

# %% [markdown]
# 梯度是负的，所以 $w$ 变大了，从 0 走到了 {{ w_one_step:g }}，朝 2.5 靠近。
#
# 更新参数这一步必须放在 `torch.no_grad()` 里。
#
# > **常见错误**：在 `no_grad` 外面原地更新参数。`w` 是需要梯度的叶子，PyTorch 不允许在记录计算图的同时原地修改它，于是报 `RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.`（报错信息里的 Variable 就是上面说的历史遗留名字。）另一种错法是写成不带原地修改的 `w = w - lr * w.grad`：它不报错，但新的 `w` 是算出来的结果，不再是叶子，下一次 `backward()` 之后 `w.grad` 会是 `None`。

# %%
#| raises: RuntimeError
loss = ((w * x_data - y_data) ** 2).mean()
loss.backward()
w -= lr * w.grad               # 没有 no_grad：报错

# %% [markdown]
# 把这一步放进循环，就是一个完整的训练过程：前向计算损失，反向传播求梯度，在 `no_grad` 里更新参数，清零梯度。我们重新从 $w = 0$ 开始，走 30 步：

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
#| alt: 损失随步数变化的曲线，纵轴为对数刻度，是一条从约 47 一路下降到约 10 的负 7 次方的直线
plt.figure(figsize=(6, 4))
plt.semilogy(losses, marker="o", markersize=3)
plt.xlabel("step")
plt.ylabel("loss (log scale)")
plt.title("Gradient descent on w")
plt.grid(alpha=0.3)
plt.show()

# %% [markdown]
# $w$ 很快逼近了 2.5，30 步后是 {{ final_w:.5f }}，最后一步的损失只有 {{ final_loss:.1e }}。损失在对数坐标下几乎是一条直线，说明每一步都把误差缩小同样的比例。后面的[优化器](../08-optimizers/index.md)一课会用 `torch.optim` 代替这几行手写的更新，但它们做的事情和这里完全一样。
#
# ## 小结
#
# - `requires_grad=True` 让 PyTorch 记录张量参与的运算；算出来的张量用 `grad_fn` 记住自己的来历，连起来就是计算图。
# - 计算图在每次前向计算时现场构建（动态图），所以可以直接用 Python 的 `if`、`for`、`while`。
# - 对标量调用 `backward()`，梯度存进叶子张量的 `.grad`；之后图会被释放，要再求就重新前向计算。
# - 梯度会累加：训练循环里每一步都要 `grad = None`（或 `zero_()`、`optimizer.zero_grad()`）。
# - 对非标量输出，先 `sum()`/`mean()` 成标量，或者给 `backward()` 传 `gradient` 参数。
# - 评估和更新参数时用 `torch.no_grad()`；`.detach()` 把单个张量从图中摘出来，转 NumPy 前必须先 detach。
# - `Variable` 和 `.data` 更新是旧写法，不要再用。
#
# ## 练习
#
# **练习 1：求导数。** 用 autograd 求 $f(x) = x^3 - 2x$ 在 $x = 2$ 处的导数，并和手算的 $f'(x) = 3x^2 - 2$ 比较。

# %%
#| solution: true
x = torch.tensor(2.0, requires_grad=True)
f = x ** 3 - 2 * x
f.backward()
print(x.grad)

assert torch.allclose(x.grad, torch.tensor(3 * 2.0 ** 2 - 2))   # 10
assert x.grad.item() == 10.0

# %% [markdown]
# **练习 2：偏导数。** 对 $f(a, b) = ab + b^2$，用一次 `backward()` 求出在 $a = 2, b = 3$ 处的 $\frac{\partial f}{\partial a}$ 和 $\frac{\partial f}{\partial b}$。

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
# **练习 3：找错。** 参数 `w = torch.tensor(1.0, requires_grad=True)` 固定不变，依次用输入 `x = 1, 2, 3` 计算 `loss = (w * x - 1) ** 2`，每次反向传播后把 `w.grad.item()` 存进列表。正确的梯度分别是 $2(w x - 1)x$，即 0、4、12，可是一位同学的代码得到的是 `[0.0, 4.0, 16.0]`。猜猜他漏了什么，写出正确的循环。

# %%
#| solution: true
# 原因：每次 backward() 都把梯度加到 w.grad 上，他没有在两次之间清零。
w = torch.tensor(1.0, requires_grad=True)
grads = []
for x in [1.0, 2.0, 3.0]:
    w.grad = None                  # 缺的就是这一行
    loss = (w * x - 1) ** 2
    loss.backward()
    grads.append(w.grad.item())
print(grads)

assert grads == [0.0, 4.0, 12.0]
# 不清零时得到的正是那位同学的结果
w.grad = None
wrong = []
for x in [1.0, 2.0, 3.0]:
    ((w * x - 1) ** 2).backward()
    wrong.append(w.grad.item())
assert wrong == [0.0, 4.0, 16.0]

# %% [markdown]
# **练习 4：tanh 的导数。** 在 `torch.linspace(-3, 3, 101)` 上用 autograd 一次求出 $\tanh x$ 的导数，并验证它等于 $1 - \tanh^2 x$。

# %%
#| solution: true
x = torch.linspace(-3, 3, 101, requires_grad=True)
torch.tanh(x).sum().backward()     # 每个输出只依赖对应的输入，求和后逐点求导
expected = 1 - torch.tanh(x.detach()) ** 2
print(x.grad[:5])

assert x.grad.shape == (101,)
assert torch.allclose(x.grad, expected, atol=1e-6)
assert torch.isclose(x.grad[50], torch.tensor(1.0))   # x = 0 处导数为 1

# %% [markdown]
# **练习 5：自己写梯度下降。** 函数 $g(w) = (w - 5)^2 + 1$ 在 $w = 5$ 处取最小值 1。从 $w = 0$ 出发，学习率 0.1，用 autograd 求梯度、在 `torch.no_grad()` 里更新，走 100 步，验证 $w$ 已经非常接近 5。

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

assert w.is_leaf and w.requires_grad   # w 仍是可训练的叶子
assert abs(w.item() - 5) < 1e-4
assert abs(((w - 5) ** 2 + 1).item() - 1) < 1e-6
