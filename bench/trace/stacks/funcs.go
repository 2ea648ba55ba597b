// 48 functions of one shape, f00..f47 (written by a loop, once): each
// allocates a different size, then calls one of them chosen at random or,
// at depth 0, does the goroutine's blocking operation. Distinct functions
// make the goroutines' stacks differ (see main.go).

package main

//go:noinline
func f00(d int, g *gstate) {
	g.keep(make([]byte, 8+g.intn(16)))
	if d <= 0 {
		g.leaf(0)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f01(d int, g *gstate) {
	g.keep(make([]byte, 16+g.intn(20)))
	if d <= 0 {
		g.leaf(1)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f02(d int, g *gstate) {
	g.keep(make([]byte, 24+g.intn(24)))
	if d <= 0 {
		g.leaf(2)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f03(d int, g *gstate) {
	g.keep(make([]byte, 32+g.intn(28)))
	if d <= 0 {
		g.leaf(3)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f04(d int, g *gstate) {
	g.keep(make([]byte, 40+g.intn(32)))
	if d <= 0 {
		g.leaf(4)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f05(d int, g *gstate) {
	g.keep(make([]byte, 48+g.intn(36)))
	if d <= 0 {
		g.leaf(5)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f06(d int, g *gstate) {
	g.keep(make([]byte, 56+g.intn(40)))
	if d <= 0 {
		g.leaf(6)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f07(d int, g *gstate) {
	g.keep(make([]byte, 64+g.intn(44)))
	if d <= 0 {
		g.leaf(7)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f08(d int, g *gstate) {
	g.keep(make([]byte, 72+g.intn(48)))
	if d <= 0 {
		g.leaf(8)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f09(d int, g *gstate) {
	g.keep(make([]byte, 80+g.intn(52)))
	if d <= 0 {
		g.leaf(9)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f10(d int, g *gstate) {
	g.keep(make([]byte, 88+g.intn(56)))
	if d <= 0 {
		g.leaf(10)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f11(d int, g *gstate) {
	g.keep(make([]byte, 96+g.intn(60)))
	if d <= 0 {
		g.leaf(11)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f12(d int, g *gstate) {
	g.keep(make([]byte, 104+g.intn(64)))
	if d <= 0 {
		g.leaf(12)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f13(d int, g *gstate) {
	g.keep(make([]byte, 112+g.intn(68)))
	if d <= 0 {
		g.leaf(13)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f14(d int, g *gstate) {
	g.keep(make([]byte, 120+g.intn(72)))
	if d <= 0 {
		g.leaf(14)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f15(d int, g *gstate) {
	g.keep(make([]byte, 128+g.intn(76)))
	if d <= 0 {
		g.leaf(15)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f16(d int, g *gstate) {
	g.keep(make([]byte, 136+g.intn(80)))
	if d <= 0 {
		g.leaf(16)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f17(d int, g *gstate) {
	g.keep(make([]byte, 144+g.intn(84)))
	if d <= 0 {
		g.leaf(17)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f18(d int, g *gstate) {
	g.keep(make([]byte, 152+g.intn(88)))
	if d <= 0 {
		g.leaf(18)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f19(d int, g *gstate) {
	g.keep(make([]byte, 160+g.intn(92)))
	if d <= 0 {
		g.leaf(19)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f20(d int, g *gstate) {
	g.keep(make([]byte, 168+g.intn(96)))
	if d <= 0 {
		g.leaf(20)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f21(d int, g *gstate) {
	g.keep(make([]byte, 176+g.intn(100)))
	if d <= 0 {
		g.leaf(21)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f22(d int, g *gstate) {
	g.keep(make([]byte, 184+g.intn(104)))
	if d <= 0 {
		g.leaf(22)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f23(d int, g *gstate) {
	g.keep(make([]byte, 192+g.intn(108)))
	if d <= 0 {
		g.leaf(23)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f24(d int, g *gstate) {
	g.keep(make([]byte, 200+g.intn(112)))
	if d <= 0 {
		g.leaf(24)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f25(d int, g *gstate) {
	g.keep(make([]byte, 208+g.intn(116)))
	if d <= 0 {
		g.leaf(25)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f26(d int, g *gstate) {
	g.keep(make([]byte, 216+g.intn(120)))
	if d <= 0 {
		g.leaf(26)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f27(d int, g *gstate) {
	g.keep(make([]byte, 224+g.intn(124)))
	if d <= 0 {
		g.leaf(27)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f28(d int, g *gstate) {
	g.keep(make([]byte, 232+g.intn(128)))
	if d <= 0 {
		g.leaf(28)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f29(d int, g *gstate) {
	g.keep(make([]byte, 240+g.intn(132)))
	if d <= 0 {
		g.leaf(29)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f30(d int, g *gstate) {
	g.keep(make([]byte, 248+g.intn(136)))
	if d <= 0 {
		g.leaf(30)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f31(d int, g *gstate) {
	g.keep(make([]byte, 256+g.intn(140)))
	if d <= 0 {
		g.leaf(31)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f32(d int, g *gstate) {
	g.keep(make([]byte, 264+g.intn(144)))
	if d <= 0 {
		g.leaf(32)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f33(d int, g *gstate) {
	g.keep(make([]byte, 272+g.intn(148)))
	if d <= 0 {
		g.leaf(33)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f34(d int, g *gstate) {
	g.keep(make([]byte, 280+g.intn(152)))
	if d <= 0 {
		g.leaf(34)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f35(d int, g *gstate) {
	g.keep(make([]byte, 288+g.intn(156)))
	if d <= 0 {
		g.leaf(35)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f36(d int, g *gstate) {
	g.keep(make([]byte, 296+g.intn(160)))
	if d <= 0 {
		g.leaf(36)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f37(d int, g *gstate) {
	g.keep(make([]byte, 304+g.intn(164)))
	if d <= 0 {
		g.leaf(37)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f38(d int, g *gstate) {
	g.keep(make([]byte, 312+g.intn(168)))
	if d <= 0 {
		g.leaf(38)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f39(d int, g *gstate) {
	g.keep(make([]byte, 320+g.intn(172)))
	if d <= 0 {
		g.leaf(39)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f40(d int, g *gstate) {
	g.keep(make([]byte, 328+g.intn(176)))
	if d <= 0 {
		g.leaf(40)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f41(d int, g *gstate) {
	g.keep(make([]byte, 336+g.intn(180)))
	if d <= 0 {
		g.leaf(41)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f42(d int, g *gstate) {
	g.keep(make([]byte, 344+g.intn(184)))
	if d <= 0 {
		g.leaf(42)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f43(d int, g *gstate) {
	g.keep(make([]byte, 352+g.intn(188)))
	if d <= 0 {
		g.leaf(43)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f44(d int, g *gstate) {
	g.keep(make([]byte, 360+g.intn(192)))
	if d <= 0 {
		g.leaf(44)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f45(d int, g *gstate) {
	g.keep(make([]byte, 368+g.intn(196)))
	if d <= 0 {
		g.leaf(45)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f46(d int, g *gstate) {
	g.keep(make([]byte, 376+g.intn(200)))
	if d <= 0 {
		g.leaf(46)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

//go:noinline
func f47(d int, g *gstate) {
	g.keep(make([]byte, 384+g.intn(204)))
	if d <= 0 {
		g.leaf(47)
		return
	}
	table[g.intn(len(table))](d-1, g)
}

var fns = [...]func(int, *gstate){f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35, f36, f37, f38, f39, f40, f41, f42, f43, f44, f45, f46, f47}
