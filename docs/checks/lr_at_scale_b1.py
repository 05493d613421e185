import math, torch
torch.set_default_dtype(torch.float64)
print("torch", torch.__version__)

# 1) AdamW decay per step with zero gradient
p = torch.nn.Parameter(torch.tensor([1.0]))
opt = torch.optim.AdamW([p], lr=0.1, weight_decay=0.01)
p.grad = torch.zeros_like(p); opt.step()
print("[1] AdamW lr=0.1 wd=0.01, zero grad, one step: p =", p.item(), " expected 1-lr*wd =", 1-0.1*0.01)
print("[1] AdamW default weight_decay =", torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))]).defaults['weight_decay'])

# 1b) schedule lowers decay: halve lr via param_group, step again
for g in opt.param_groups: g['lr'] = 0.05
before = p.item(); p.grad = torch.zeros_like(p); opt.step()
print("[1b] after lr->0.05: ratio p_new/p_old =", p.item()/before, " expected", 1-0.05*0.01)

# 1c) timescale: N = 1/(lr*wd) zero-grad steps shrink weight by ~1/e
lr, wd = 1e-3, 0.1
N = round(1/(lr*wd))
p = torch.nn.Parameter(torch.tensor([1.0]))
opt = torch.optim.AdamW([p], lr=lr, weight_decay=wd)
for _ in range(N):
    p.grad = torch.zeros_like(p); opt.step()
print(f"[1c] lr={lr} wd={wd}: after N=1/(lr*wd)={N} zero-grad steps p = {p.item():.5f}; exp(-1) = {math.exp(-1):.5f}")

# 1d) contrast: torch.optim.Adam(weight_decay) is L2 added to the gradient, then normalised
p = torch.nn.Parameter(torch.tensor([1.0]))
opt = torch.optim.Adam([p], lr=0.1, weight_decay=0.01)
p.grad = torch.zeros_like(p); opt.step()
print("[1d] Adam(lr=0.1, weight_decay=0.01), zero grad, one step: p =", round(p.item(), 6), "(moves by ~lr, not lr*wd)")
p = torch.nn.Parameter(torch.tensor([1.0]))
opt = torch.optim.Adam([p], lr=0.1, weight_decay=1e-4)
p.grad = torch.zeros_like(p); opt.step()
print("[1d] Adam(lr=0.1, weight_decay=1e-4), zero grad, one step: p =", round(p.item(), 6))

# 2) GD on quadratic f = L/2 x^2: stable iff lr < 2/L
L = 10.0
for lr in [0.19, 0.199, 0.2, 0.201, 0.21]:
    x = torch.tensor([1.0], requires_grad=True)
    o = torch.optim.SGD([x], lr=lr)
    for _ in range(200):
        o.zero_grad(); (0.5*L*x**2).sum().backward(); o.step()
    print(f"[2] L={L} 2/L={2/L} lr={lr}: |x_200| = {abs(x.item()):.3e}  (factor |1-lr*L| = {abs(1-lr*L):.3f})")

# 2b) 2-D quadratic: the largest eigenvalue sets the limit
H = torch.diag(torch.tensor([1.0, 50.0]))
for lr in [0.039, 0.041]:
    x = torch.tensor([1.0, 1.0], requires_grad=True)
    o = torch.optim.SGD([x], lr=lr)
    for _ in range(300):
        o.zero_grad(); (0.5*x@H@x).backward(); o.step()
    print(f"[2b] eig(1,50), 2/50=0.04, lr={lr}: x_300 = {[f'{v:.2e}' for v in x.tolist()]}")

# 3) LoRA alpha vs learning rate under Adam (B starts at 0)
def run(scale, lr_A, lr_B, steps=30, seed=0, eps=1e-16):
    g = torch.Generator().manual_seed(seed)
    d, r, n = 16, 4, 64
    W0 = torch.randn(d, d, generator=g); X = torch.randn(n, d, generator=g); Y = torch.randn(n, d, generator=g)
    A = torch.nn.Parameter(torch.randn(r, d, generator=g)*0.1); B = torch.nn.Parameter(torch.zeros(d, r))
    opt = torch.optim.Adam([{'params':[A], 'lr':lr_A}, {'params':[B], 'lr':lr_B}], eps=eps)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((X@(W0 + scale*B@A).T - Y)**2).mean(); loss.backward(); opt.step()
    return (scale*B@A).detach()
base = run(scale=4.0, lr_A=1e-2, lr_B=1e-2)
same_B = run(scale=1.0, lr_A=1e-2, lr_B=4e-2)
both = run(scale=1.0, lr_A=4e-2, lr_B=4e-2)
print("[3] max|dW(scale=4, lr 1e-2) - dW(scale=1, lr_A=1e-2, lr_B=4e-2)| =", f"{(base-same_B).abs().max().item():.2e}")
print("[3] max|dW(scale=4, lr 1e-2) - dW(scale=1, lr_A=lr_B=4e-2)|      =", f"{(base-both).abs().max().item():.2e}", " (|dW| max", f"{base.abs().max().item():.2e})")

# 4) LAMB-style trust ratio: each layer's step has norm lr*||w||
torch.manual_seed(0)
for scale_g in [1e-3, 1.0, 1e3]:
    w = torch.randn(100, 100); u = torch.randn(100, 100)*scale_g   # u: Adam-style update direction
    lr = 0.01
    step = lr * (w.norm()/u.norm()) * u
    print(f"[4] grad scale {scale_g:g}: ||step||/||w|| = {(step.norm()/w.norm()).item():.6f} (lr = {lr})")

# 5) layer-wise lr decay multipliers (MAE util/lr_decay.py: scale = decay**(num_layers - layer_id), num_layers = blocks+1)
for name, decay, blocks in [("ViT-B 0.65", 0.65, 12), ("ViT-L 0.75", 0.75, 24)]:
    nl = blocks + 1
    print(f"[5] {name}: head {decay**0:.3f}, last block {decay**1:.3f}, first block {decay**(nl-1):.2e}, patch_embed {decay**nl:.2e}")
# ELECTRA model/optimization.py: lr * decay**(n_layers + 2 - depth), embeddings depth 0
for name, decay, n in [("ELECTRA base 0.8", 0.8, 12), ("ELECTRA large 0.9", 0.9, 24)]:
    print(f"[5] {name}: task head 1.0, top layer {decay**2:.3f}, embeddings {decay**(n+2):.3e}")
