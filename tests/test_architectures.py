"""The built-in networks match the tutorials they come from."""

import keras
import pytest

from skdigits.architectures import ARCHITECTURES, INPUT_SHAPE, augmentation, get_architecture


def layer_kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def test_simple_matches_tutorial():
    model = get_architecture("simple").build(n_classes=10, dropout=0.2)
    assert layer_kinds(model) == ["Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout", "Dense"]
    assert model.layers[0].filters == 32 and model.layers[0].kernel_size == (3, 3)
    assert model.layers[3].units == 128
    assert model.layers[4].rate == 0.2


def test_classic_matches_keras_mnist_cnn_example():
    model = get_architecture("classic").build(n_classes=10, dropout=0.5)
    assert layer_kinds(model) == [
        "Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense",
    ]
    assert [model.layers[i].filters for i in (0, 1)] == [32, 64]
    assert [model.layers[i].rate for i in (3, 6)] == [0.25, 0.5]
    assert model.layers[5].units == 256
    # 320 + 18,496 (convolutions) + 2,359,552 (12*12*64 -> 256) + 2,570 (256 -> 10)
    assert model.count_params() == 2_380_938


def test_deep_has_three_conv_pool_blocks():
    kinds = layer_kinds(get_architecture("deep").build(n_classes=10, dropout=0.0))
    assert kinds[:6] == ["Conv2D", "MaxPooling2D"] * 3
    assert kinds[-1] == "Dense"


def test_modern_uses_batch_norm_and_global_pooling():
    model = get_architecture("modern").build(n_classes=10, dropout=0.3)
    kinds = layer_kinds(model)
    assert kinds.count("Conv2D") == 5 and kinds.count("BatchNormalization") == 5
    assert "GlobalAveragePooling2D" in kinds and "Flatten" not in kinds
    assert model.count_params() < 200_000


def test_augmentation_is_identity_at_inference():
    import numpy as np

    x = np.random.RandomState(0).rand(4, 28, 28, 1).astype("float32")
    block = augmentation()
    np.testing.assert_array_equal(np.asarray(block(x, training=False)), x)
    assert not np.allclose(np.asarray(block(x, training=True)), x)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_architecture_maps_digits_to_class_probabilities(name):
    spec = ARCHITECTURES[name]
    model = spec.build(n_classes=7, dropout=spec.dropout)
    assert model.input_shape == (None, *INPUT_SHAPE)
    assert model.output_shape == (None, 7)
    assert model.layers[-1].activation is keras.activations.softmax
    assert spec.epochs > 0 and spec.batch_size > 0 and spec.learning_rate > 0


def test_unknown_architecture_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown architecture 'lenet'.*classic.*deep.*simple"):
        get_architecture("lenet")
