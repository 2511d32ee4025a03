package dev.ferry.train;

/** The optimizers ferry trains with, with torch's update rules. */
public enum OptimizerKind {
    /** SGD with momentum 0.9 (torch.optim.SGD: buf = m * buf + g; p -= lr * buf), L2 weight decay. */
    SGD,
    /** AdamW (torch.optim.AdamW: decoupled weight decay, betas 0.9/0.999, eps 1e-8). */
    ADAMW
}
