{% macro parse_integer(expression) -%}
    {#- A text value as an integer, or null when it is not one: the pattern of an integer is the
        one the loaders check integer columns with (var export_value_checks), and the value must
        fit an integer (a nested case: its condition runs only on text of that pattern). The
        first branch is a shortcut for plain digits (most values), which the pattern would accept
        too; it spares them the cost of a regular expression. -#}
    {%- set pattern = var('export_value_checks')['integer']['pattern'] -%}
    case
        when
            octet_length({{ expression }}) between 1 and 9
            and trim(leading '0123456789' from {{ expression }}) = ''
            then cast({{ expression }} as {{ dbt.type_int() }})
        when {{ regex_matches(expression, pattern) }}
            then
                case
                    when
                        cast(trim({{ expression }}) as {{ dbt.type_bigint() }})
                        between -2147483648 and 2147483647
                        then cast(trim({{ expression }}) as {{ dbt.type_int() }})
                end
    end
{%- endmacro %}
