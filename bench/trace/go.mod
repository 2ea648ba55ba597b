module gopherlens/bench/trace

go 1.21
