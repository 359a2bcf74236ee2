"""Notebook 06: eq. 10 and the parameters of an LSTM layer."""


def cell_update(f, i, g, c_prev):
    """C_t = f_t * C_{t-1} + i_t * C~_t (element-wise)."""
    return f * c_prev + i * g


def lstm_parameters(input_size, hidden_size):
    """nn.LSTM(I, H): four gates, each with an input matrix, a recurrent matrix and two biases."""
    return 4 * (hidden_size * input_size + hidden_size**2 + 2 * hidden_size)
