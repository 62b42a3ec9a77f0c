from adapters.org.reporting_cycles import find_reporting_cycles


def test_a_chart_without_cycles_has_none() -> None:
    managers = {"ceo": None, "cto": "ceo", "dev": "cto", "ops": "cto"}

    cycles = find_reporting_cycles(managers)

    assert cycles == []


def test_a_cycle_is_listed_once_in_reporting_order() -> None:
    managers = {"a": "b", "b": "c", "c": "a", "d": "a"}

    cycles = find_reporting_cycles(managers)

    assert cycles == [["a", "b", "c"]]


def test_people_leading_into_a_cycle_are_not_part_of_it() -> None:
    managers = {"x": "y", "y": "b", "a": "b", "b": "a"}

    cycles = find_reporting_cycles(managers)

    assert cycles == [["b", "a"]]


def test_separate_cycles_are_all_found() -> None:
    managers = {"a": "b", "b": "a", "c": None, "d": "e", "e": "f", "f": "d"}

    cycles = find_reporting_cycles(managers)

    assert cycles == [["a", "b"], ["d", "e", "f"]]


def test_a_manager_outside_the_mapping_ends_the_walk() -> None:
    managers = {"a": "outsider", "b": "a"}

    cycles = find_reporting_cycles(managers)

    assert cycles == []


def test_a_cycle_through_fifty_thousand_people_is_found_without_recursion() -> None:
    size = 50_000
    managers = {f"p{i}": f"p{(i + 1) % size}" for i in range(size)}

    cycles = find_reporting_cycles(managers)

    assert len(cycles) == 1
    assert cycles[0][:3] == ["p0", "p1", "p2"]
    assert len(cycles[0]) == size
