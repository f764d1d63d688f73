// ember/ember.h — everything an application needs: load a TorchScript archive and run it.
//
//   #include <ember/ember.h>
//   ember::Module m = ember::load("model.pt");
//   ember::Value out = m.forward({ember::Value(input_tensor)});
#pragma once

#include "ember/custom_op.h"
#include "ember/deadline.h"
#include "ember/dtype.h"
#include "ember/error.h"
#include "ember/module.h"
#include "ember/ops.h"
#include "ember/tensor.h"
#include "ember/type.h"
#include "ember/threads.h"
#include "ember/value.h"
#include "ember/values.h"
