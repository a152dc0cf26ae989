// ssgan: neural networks as types, trained on the CPU with oneDNN, Eigen and TBB, and the
// semi-supervised GAN built on them. This umbrella header is the one include a user needs.
#pragma once

#include "core/aligned.hpp"
#include "core/context.hpp"
#include "core/diagnostics.hpp"
#include "core/dnnl_runtime.hpp"
#include "core/error.hpp"
#include "core/init.hpp"
#include "core/random.hpp"
#include "core/replicas.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "core/threading.hpp"
#include "core/type_list.hpp"

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

#include "loss/cross_entropy.hpp"
#include "loss/feature_matching.hpp"
#include "loss/huber.hpp"
#include "loss/reconstruction.hpp"
#include "loss/ssgan.hpp"

#include "optim/adam.hpp"
#include "optim/clip.hpp"
#include "optim/ema.hpp"
#include "optim/schedule.hpp"
#include "optim/sgd.hpp"

#include "data/cifar10.hpp"
#include "data/dataset.hpp"
#include "data/hdf5_layout.hpp"
#include "data/idx.hpp"
#include "data/image_file.hpp"
#include "data/image_folder.hpp"
#include "data/mnist.hpp"
#include "data/own_dataset.hpp"
#include "data/pixel_range.hpp"
#include "data/split.hpp"
#include "data/svhn.hpp"

#include "io/atomic_file.hpp"
#include "io/checkpoint.hpp"
#include "io/gif.hpp"
#include "io/image.hpp"
#include "io/image_grid.hpp"
#include "io/metrics.hpp"
#include "io/network_io.hpp"
#include "io/plot.hpp"
#include "io/png.hpp"

#include "gan/cifar_models.hpp"
#include "gan/evaluate.hpp"
#include "gan/image_models.hpp"
#include "gan/mnist_models.hpp"
#include "gan/session.hpp"
#include "gan/settings.hpp"
#include "gan/trainer.hpp"

// MPI's header exists only where ssgan::mpi is linked, which defines SSGAN_WITH_MPI.
#if SSGAN_WITH_MPI
#include "dist/communicator.hpp"
#include "dist/environment.hpp"
#endif
