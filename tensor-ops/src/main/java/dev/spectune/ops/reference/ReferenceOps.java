/*
 * ReferenceOps: plain-Java double-precision definitions of spectune's ops, loop by loop, following
 * the PyTorch / diffusers / transformers definitions named on each method. They are slow on
 * purpose: each line says what is computed.
 */
package dev.spectune.ops.reference;

public final class ReferenceOps {
    private ReferenceOps() {}

    /** torch.nn.Linear: x [..., in], weight [out, in], bias [out] or null → [..., out]. */
    public static RefTensor linear(RefTensor x, RefTensor weight, RefTensor bias) {
        int in = weight.dim(1), out = weight.dim(0);
        int rows = x.size() / in;
        int[] shape = x.shape().clone();
        shape[shape.length - 1] = out;
        RefTensor y = RefTensor.zeros(shape);
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = bias == null ? 0 : bias.data()[o];
                for (int i = 0; i < in; i++) acc += x.data()[r * in + i] * weight.data()[o * in + i];
                y.data()[r * out + o] = acc;
            }
        }
        return y;
    }

    /** torch.nn.Conv2d: x [B, Cin, H, W], weight OIHW [Cout, Cin/g, kH, kW], bias [Cout] or null. */
    public static RefTensor conv2d(RefTensor x, RefTensor weight, RefTensor bias, int stride, int padding, int groups) {
        int batch = x.dim(0), cin = x.dim(1), h = x.dim(2), w = x.dim(3);
        int cout = weight.dim(0), cinPerGroup = weight.dim(1), kh = weight.dim(2), kw = weight.dim(3);
        if (cinPerGroup * groups != cin) throw new IllegalArgumentException("conv2d: Cin/groups mismatch");
        int coutPerGroup = cout / groups;
        int ho = (h + 2 * padding - kh) / stride + 1, wo = (w + 2 * padding - kw) / stride + 1;
        RefTensor y = RefTensor.zeros(batch, cout, ho, wo);
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < cout; o++) {
                int g = o / coutPerGroup;
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double acc = bias == null ? 0 : bias.data()[o];
                        for (int ci = 0; ci < cinPerGroup; ci++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;   // zero padding
                                    acc += x.get(b, g * cinPerGroup + ci, iy, ix) * weight.get(o, ci, ky, kx);
                                }
                        y.set(acc, b, o, oy, ox);
                    }
            }
        return y;
    }

    /** torch.nn.GroupNorm: x [B, C, *spatial]; statistics per (batch, group), biased variance. */
    public static RefTensor groupNorm(RefTensor x, int groups, double eps, RefTensor gamma, RefTensor beta) {
        int batch = x.dim(0), channels = x.dim(1);
        int spatial = x.size() / (batch * channels);
        int perGroup = channels / groups;
        RefTensor y = RefTensor.zeros(x.shape());
        for (int b = 0; b < batch; b++)
            for (int g = 0; g < groups; g++) {
                int start = (b * channels + g * perGroup) * spatial, count = perGroup * spatial;
                double mean = 0;
                for (int i = 0; i < count; i++) mean += x.data()[start + i];
                mean /= count;
                double variance = 0;
                for (int i = 0; i < count; i++) variance += sq(x.data()[start + i] - mean);
                variance /= count;
                double inv = 1.0 / Math.sqrt(variance + eps);
                for (int i = 0; i < count; i++) {
                    int c = g * perGroup + i / spatial;
                    double v = (x.data()[start + i] - mean) * inv;
                    if (gamma != null) v *= gamma.data()[c];
                    if (beta != null) v += beta.data()[c];
                    y.data()[start + i] = v;
                }
            }
        return y;
    }

    /** torch.nn.LayerNorm over the last dim. */
    public static RefTensor layerNorm(RefTensor x, double eps, RefTensor gamma, RefTensor beta) {
        int d = x.dim(-1), rows = x.size() / d;
        RefTensor y = RefTensor.zeros(x.shape());
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int i = 0; i < d; i++) mean += x.data()[r * d + i];
            mean /= d;
            double variance = 0;
            for (int i = 0; i < d; i++) variance += sq(x.data()[r * d + i] - mean);
            variance /= d;
            double inv = 1.0 / Math.sqrt(variance + eps);
            for (int i = 0; i < d; i++) {
                double v = (x.data()[r * d + i] - mean) * inv;
                if (gamma != null) v *= gamma.data()[i];
                if (beta != null) v += beta.data()[i];
                y.data()[r * d + i] = v;
            }
        }
        return y;
    }

    /** Exact GELU: x·Φ(x) with Φ the standard normal CDF. */
    public static RefTensor gelu(RefTensor x) {
        return map(x, v -> v * 0.5 * (1 + Erf.erf(v / Math.sqrt(2))));
    }

    /** transformers' QuickGELU: x·σ(1.702·x). */
    public static RefTensor quickGelu(RefTensor x) {
        return map(x, v -> v * sigmoid(1.702 * v));
    }

    /** SiLU: x·σ(x). */
    public static RefTensor silu(RefTensor x) {
        return map(x, v -> v * sigmoid(v));
    }

    /** diffusers' GEGLU: proj = linear(x) [..., 2D]; hidden, gate = proj.chunk(2, -1); hidden·gelu(gate). */
    public static RefTensor geglu(RefTensor x, RefTensor weight, RefTensor bias) {
        RefTensor proj = linear(x, weight, bias);
        int twoD = proj.dim(-1), d = twoD / 2, rows = proj.size() / twoD;
        int[] shape = proj.shape().clone();
        shape[shape.length - 1] = d;
        RefTensor y = RefTensor.zeros(shape);
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < d; i++) {
                double hidden = proj.data()[r * twoD + i], gate = proj.data()[r * twoD + d + i];
                y.data()[r * d + i] = hidden * gate * 0.5 * (1 + Erf.erf(gate / Math.sqrt(2)));
            }
        return y;
    }

    /** ReLU. */
    public static RefTensor relu(RefTensor x) {
        return map(x, v -> Math.max(v, 0));
    }

    /** taesd.py's Clamp: tanh(x / limit)·limit. */
    public static RefTensor softClamp(RefTensor x, double limit) {
        return map(x, v -> Math.tanh(v / limit) * limit);
    }

    /** F.pad(x, (left, right, top, bottom)) with zeros, x [B, C, H, W]. */
    public static RefTensor zeroPad2d(RefTensor x, int left, int right, int top, int bottom) {
        int batch = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        RefTensor y = RefTensor.zeros(batch, c, h + top + bottom, w + left + right);
        for (int b = 0; b < batch; b++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++) y.set(x.get(b, ch, i, j), b, ch, i + top, j + left);
        return y;
    }

    /** torch.nn.Embedding: table [V, D], ids [B, T] → [B, T, D]. */
    public static RefTensor embedding(RefTensor table, int[][] ids) {
        int d = table.dim(1);
        RefTensor y = RefTensor.zeros(ids.length, ids[0].length, d);
        for (int b = 0; b < ids.length; b++)
            for (int t = 0; t < ids[b].length; t++)
                for (int j = 0; j < d; j++) y.set(table.get(ids[b][t], j), b, t, j);
        return y;
    }

    /** Softmax along the last dim, max-subtracted. */
    public static RefTensor softmaxLast(RefTensor x) {
        int d = x.dim(-1), rows = x.size() / d;
        RefTensor y = RefTensor.zeros(x.shape());
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < d; i++) max = Math.max(max, x.data()[r * d + i]);
            double sum = 0;
            for (int i = 0; i < d; i++) sum += y.data()[r * d + i] = Math.exp(x.data()[r * d + i] - max);
            for (int i = 0; i < d; i++) y.data()[r * d + i] /= sum;
        }
        return y;
    }

    /**
     * Multi-head scaled-dot-product attention: q [B, Tq, C], k and v [B, Tk, C], h heads of d = C/h;
     * out[b, t, head·d + j] = Σ_s softmax_s(q·k/√d + mask) v[b, s, head·d + j]. A causal mask
     * hides s > t.
     */
    public static RefTensor attention(RefTensor q, RefTensor k, RefTensor v, int heads, boolean causal) {
        int batch = q.dim(0), tq = q.dim(1), c = q.dim(2), tk = k.dim(1), d = c / heads;
        double scale = 1.0 / Math.sqrt(d);
        RefTensor out = RefTensor.zeros(batch, tq, c);
        double[] scores = new double[tk];
        for (int b = 0; b < batch; b++)
            for (int head = 0; head < heads; head++)
                for (int t = 0; t < tq; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < tk; s++) {
                        double dot = 0;
                        for (int j = 0; j < d; j++) dot += q.get(b, t, head * d + j) * k.get(b, s, head * d + j);
                        scores[s] = causal && s > t ? Double.NEGATIVE_INFINITY : dot * scale;
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < tk; s++) sum += scores[s] = Math.exp(scores[s] - max);
                    for (int j = 0; j < d; j++) {
                        double acc = 0;
                        for (int s = 0; s < tk; s++) acc += scores[s] / sum * v.get(b, s, head * d + j);
                        out.set(acc, b, t, head * d + j);
                    }
                }
        return out;
    }

    /** Nearest-neighbour 2x upsampling of [B, C, H, W]: out[.., y, x] = in[.., y/2, x/2]. */
    public static RefTensor upsampleNearest2x(RefTensor x) {
        int batch = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        RefTensor y = RefTensor.zeros(batch, c, 2 * h, 2 * w);
        for (int b = 0; b < batch; b++)
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < 2 * h; oy++)
                    for (int ox = 0; ox < 2 * w; ox++) y.set(x.get(b, ch, oy / 2, ox / 2), b, ch, oy, ox);
        return y;
    }

    /** F.interpolate(x, size=(outH, outW), mode="nearest"): out[.., i, j] = in[.., ⌊i·H/outH⌋, ⌊j·W/outW⌋]. */
    public static RefTensor resizeNearest(RefTensor x, int outH, int outW) {
        int batch = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        RefTensor y = RefTensor.zeros(batch, c, outH, outW);
        for (int b = 0; b < batch; b++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < outH; i++)
                    for (int j = 0; j < outW; j++)
                        y.set(x.get(b, ch, (int) Math.floor((double) i * h / outH), (int) Math.floor((double) j * w / outW)), b, ch, i, j);
        return y;
    }

    /** diffusers' get_timestep_embedding for timesteps [B] → [B, dim]. */
    public static RefTensor timestepEmbedding(double[] timesteps, int dim, boolean flipSinToCos,
                                              double downscaleFreqShift, double scale, double maxPeriod) {
        int half = dim / 2;
        RefTensor emb = RefTensor.zeros(timesteps.length, dim);
        for (int b = 0; b < timesteps.length; b++)
            for (int j = 0; j < half; j++) {
                double exponent = -Math.log(maxPeriod) * j / (half - downscaleFreqShift);
                double arg = scale * timesteps[b] * Math.exp(exponent);
                double first = flipSinToCos ? Math.cos(arg) : Math.sin(arg);
                double second = flipSinToCos ? Math.sin(arg) : Math.cos(arg);
                emb.set(first, b, j);
                emb.set(second, b, half + j);
            }
        return emb;   // an odd dim leaves the last column zero, as diffusers pads it
    }

    /** The same, rounding where diffusers computes in float32: exponent, exp, t·freq, sin and cos. */
    public static RefTensor timestepEmbeddingFloat32(double[] timesteps, int dim, boolean flipSinToCos,
                                                     double downscaleFreqShift, double scale, double maxPeriod) {
        int half = dim / 2;
        RefTensor emb = RefTensor.zeros(timesteps.length, dim);
        for (int b = 0; b < timesteps.length; b++)
            for (int j = 0; j < half; j++) {
                float exponent = (float) -Math.log(maxPeriod) * (float) j / (float) (half - downscaleFreqShift);
                float arg = (float) timesteps[b] * dev.spectune.ops.TorchExpFloat32.exp(exponent);
                arg = (float) scale * arg;
                float sin = (float) Math.sin(arg), cos = (float) Math.cos(arg);
                emb.set(flipSinToCos ? cos : sin, b, j);
                emb.set(flipSinToCos ? sin : cos, b, half + j);
            }
        return emb;
    }

    /** torch.cat(parts, dim=1) for tensors [B, C_i, *spatial]. */
    public static RefTensor concatChannels(RefTensor... parts) {
        int batch = parts[0].dim(0), spatial = parts[0].size() / (batch * parts[0].dim(1)), channels = 0;
        for (RefTensor p : parts) channels += p.dim(1);
        int[] shape = parts[0].shape().clone();
        shape[1] = channels;
        RefTensor y = RefTensor.zeros(shape);
        int offset = 0;
        for (RefTensor p : parts) {
            int block = p.dim(1) * spatial;
            for (int b = 0; b < batch; b++) {
                System.arraycopy(p.data(), b * block, y.data(), (b * channels) * spatial + offset, block);
            }
            offset += block;
        }
        return y;
    }

    private static double sigmoid(double v) {
        return 1.0 / (1.0 + Math.exp(-v));
    }

    private static double sq(double v) {
        return v * v;
    }

    private static RefTensor map(RefTensor x, java.util.function.DoubleUnaryOperator f) {
        RefTensor y = RefTensor.zeros(x.shape());
        for (int i = 0; i < x.size(); i++) y.data()[i] = f.applyAsDouble(x.data()[i]);
        return y;
    }
}
