// ssgan: neural networks as types, trained on the CPU with oneDNN, Eigen and TBB.
// This umbrella header is the one include a user needs.
#pragma once

#include "core/aligned.hpp"
#include "core/context.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/init.hpp"
#include "core/random.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "core/threading.hpp"

#include "layers/activation.hpp"
#include "layers/batch_norm.hpp"
#include "layers/conv.hpp"
#include "layers/deconv.hpp"
#include "layers/dense.hpp"
#include "layers/noise.hpp"
#include "layers/reshape.hpp"

#include "nn/gan_pair.hpp"
#include "nn/layer.hpp"
#include "nn/network.hpp"
